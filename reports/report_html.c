#include "reports/report_html.h"

#include "engine/core/alloc.h"
#include "engine/core/error.h"
#include "engine/core/json.h"
#include "engine/core/sha256.h"
#include "engine/core/status.h"
#include "engine/core/utf8.h"
#include "reports/report_dir.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An account entry is a few KB; the cap only stops a broken spool from
 * making the parser allocate without bound. */
#define S_ACCOUNT_TEXT_MAX ((size_t)64 * 1024 * 1024)
#define S_FLUSH_AT         ((size_t)64 * 1024)
#define S_ACCOUNT_COLUMNS  7

/* One colour per status, used by the badges, the chart and the timeline
 * bars through a CSS variable, so the page has one palette. */
static const char *const s_account_colors[] = {
    "#2e7d32", "#607d8b", "#0277bd", "#ef6c00", "#8e24aa",
    "#c62828", "#6d4c41", "#b28704", "#9e9e9e", "#455a64",
};
static const char *const s_step_colors[] = {
    "#9e9e9e", "#0277bd", "#2e7d32", "#c62828", "#8e24aa", "#c62828", "#9e9e9e",
};
static const char *const s_v1_colors[] = {
    "#9e9e9e", "#2e7d32", "#2e7d32", "#ef6c00", "#c62828", "#9e9e9e",
};

/* A status added to the vocabulary needs its colour here. */
_Static_assert(sizeof(s_account_colors) / sizeof(s_account_colors[0]) == C1_ACCOUNT_STATUS_COUNT,
	       "one colour per account status");
_Static_assert(sizeof(s_step_colors) / sizeof(s_step_colors[0]) == C1_STEP_STATUS_COUNT,
	       "one colour per step status");
_Static_assert(sizeof(s_v1_colors) / sizeof(s_v1_colors[0]) == C1_V1_STATUS_COUNT,
	       "one colour per Vision One link status");

/* Pieces, as C11 only promises string literals of 4095 bytes. */
static const char *const s_css[] = {
    ":root{color-scheme:light;--fg:#1d2327;--muted:#5f6b73;--line:#d7dde1;--bg:#fff;--alt:#f5f7f8}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "sans-serif;color:var(--fg);background:var(--bg)}"
    "main{max-width:1500px;margin:0 auto;padding:16px 24px 48px}"
    "h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid "
    "var(--line);padding-bottom:4px}h4{margin:12px 0 4px;font-size:13px;text-transform:uppercase;"
    "letter-spacing:.04em;color:var(--muted)}"
    "code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'Liberation Mono',monospace;"
    "font-size:12.5px}"
    ".muted,.none{color:var(--muted)}"
    ".top{display:flex;flex-wrap:wrap;gap:24px 48px;align-items:flex-start}"
    "dl.run{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:3px 16px;margin:0;"
    "min-width:340px;max-width:720px}"
    "dl.run dt{color:var(--muted)}dl.run dd{margin:0;overflow-wrap:anywhere}"
    ".chart .bar{cursor:pointer}.chart .bar rect{fill:var(--c)}.chart text{font-size:12px;"
    "fill:var(--fg)}.chart .bar:hover text.lbl{text-decoration:underline}"
    ".chart rect.track{fill:var(--alt)}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line);"
    "overflow-wrap:anywhere}"
    "th{background:var(--alt);font-weight:600;white-space:nowrap}"
    "td.num,th.num{text-align:right;white-space:nowrap}td.nowrap{white-space:nowrap;overflow-wrap:normal}"
    "#accounts>thead>tr>th{position:sticky;top:0;z-index:1;cursor:pointer;user-select:none}"
    "#accounts>thead>tr>th::after{content:'\\2195';color:#b0bac0;margin-left:4px;font-size:11px}"
    "#accounts>thead>tr>th[aria-sort=ascending]::after{content:'\\25B2';color:var(--fg)}"
    "#accounts>thead>tr>th[aria-sort=descending]::after{content:'\\25BC';color:var(--fg)}"
    "tbody.acct tr.main{background:var(--bg)}tbody.acct:hover tr{background:#f0f6fb}"
    "tbody.acct tr.more td{border-bottom:2px solid var(--line);padding-top:0}"
    "tbody[hidden]{display:none}"
    "details>summary{cursor:pointer;color:var(--muted);font-size:12.5px}"
    ".detail{padding:4px 0 8px 16px}"
    "table.sub{width:auto;min-width:60%;margin:2px 0 6px;font-size:13px}"
    "table.sub th{background:none;border-bottom:1px solid var(--line);color:var(--muted);"
    "font-weight:500}",
    ".badge{display:inline-block;padding:0 7px;border-radius:9px;color:#fff;background:var(--c,#777);"
    "font-size:12px;white-space:nowrap;-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".err{border-left:3px solid #c62828;padding:2px 8px;background:#fdf3f3;margin:2px 0}"
    ".err .code{font-weight:600}.err .msg{white-space:pre-wrap}"
    ".tl{width:220px;min-width:120px}.tl div{position:relative;height:10px;background:var(--alt);"
    "border-radius:2px}.tl span{position:absolute;top:0;height:10px;border-radius:2px;"
    "background:var(--c,#777);-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".controls{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:8px 0}"
    ".controls input[type=search]{width:320px;padding:4px 6px}"
    ".controls select{padding:3px 4px}"
    "pre.opts{margin:4px 0;white-space:pre-wrap;font-size:12px}"
    "footer{margin-top:32px;color:var(--muted);font-size:12px}"
    ".hint{border-left:3px solid #1565c0;background:#f1f6fc;padding:3px 8px;margin:4px 0}"
    ".hint .rerun,.about{color:var(--muted)}.about{margin:2px 0;font-size:12.5px}"
    ".clean{color:#2e7d32;margin:2px 0}ul.left{margin:2px 0;padding-left:20px}"
    ".arn{font-size:12px;color:var(--muted)}details.retries ol{margin:2px 0;font-size:12.5px}",
    "@media print{"
    "body{font-size:11px}main{max-width:none;padding:0}"
    ".controls,#selftest,.noprint{display:none!important}"
    "#accounts>thead>tr>th{position:static}#accounts>thead>tr>th::after{content:none}"
    "thead{display:table-header-group}tr.main,table.sub tr,.tenants tr{break-inside:avoid}"
    "tr.main{break-after:avoid}"
    "table{width:100%!important;table-layout:auto}th,td{padding:2px 4px}"
    ".tl{width:120px}details>summary{color:var(--fg)}"
    "details::details-content{content-visibility:visible;display:block}"
    "a{color:inherit;text-decoration:none}}",
};

/* No data is ever placed in the script: it reads the page's escaped markup.
 * Its hash goes into the page's Content-Security-Policy, so no other script
 * can run even if some markup were wrong. */
static const char *const s_js[] = {
    "(function(){'use strict';\n"
    "var errors=[];\n"
    "window.addEventListener('error',function(e){errors.push(String(e.message||e));});\n"
    "var ORDER=['succeeded','unchanged','repaired','drifted','rolled_back','failed','invalid',"
    "'interrupted','not_started','orphaned'];\n"
    "var table=document.getElementById('accounts');\n"
    "var bodies=Array.prototype.slice.call(table.tBodies);\n"
    "var heads=Array.prototype.slice.call(table.tHead.rows[0].cells);\n"
    "var statusSel=document.getElementById('filter-status');\n"
    "var textBox=document.getElementById('filter-text');\n"
    "var shown=document.getElementById('shown-count');\n"
    "var sortCol=-1,sortDir=1;\n",
    "function textOf(tb){if(tb.c1text===undefined)tb.c1text=tb.textContent.toLowerCase();"
    "return tb.c1text;}\n"
    "function applyFilter(){\n"
    " var st=statusSel.value,q=textBox.value.trim().toLowerCase(),n=0;\n"
    " bodies.forEach(function(tb){\n"
    "  var ok=(!st||tb.getAttribute('data-status')===st)&&(!q||textOf(tb).indexOf(q)>=0);\n"
    "  tb.hidden=!ok;if(ok)n++;});\n"
    " shown.textContent=n+' of '+bodies.length+' accounts shown';\n"
    "}\n"
    "function key(tb,col,type){\n"
    " var cell=tb.rows[0].cells[col];\n"
    " if(type==='num')return parseFloat(cell.getAttribute('data-sort')||cell.textContent)||0;\n"
    " if(type==='status'){var i=ORDER.indexOf(tb.getAttribute('data-status'));"
    "return i<0?ORDER.length:i;}\n"
    " return cell.textContent.toLowerCase();\n"
    "}\n"
    "function sortBy(col){\n"
    " var type=heads[col].getAttribute('data-type')||'text';\n"
    " sortDir=sortCol===col?-sortDir:1;sortCol=col;\n"
    " var keyed=bodies.map(function(tb){return{tb:tb,k:key(tb,col,type),"
    "row:+tb.getAttribute('data-row')};});\n"
    " keyed.sort(function(a,b){if(a.k<b.k)return -sortDir;if(a.k>b.k)return sortDir;"
    "return a.row-b.row;});\n"
    " var frag=document.createDocumentFragment();\n"
    " keyed.forEach(function(x){frag.appendChild(x.tb);});\n"
    " table.appendChild(frag);\n"
    " heads.forEach(function(th,i){if(i===col)th.setAttribute('aria-sort',sortDir>0?"
    "'ascending':'descending');else th.removeAttribute('aria-sort');});\n"
    "}\n"
    "heads.forEach(function(th,i){th.addEventListener('click',function(){sortBy(i);});});\n"
    "statusSel.addEventListener('change',applyFilter);\n"
    "textBox.addEventListener('input',applyFilter);\n"
    "Array.prototype.forEach.call(document.querySelectorAll('.chart .bar'),function(g){\n"
    " g.addEventListener('click',function(){statusSel.value=g.getAttribute('data-status');"
    "applyFilter();table.scrollIntoView();});});\n"
    "var allDetails=function(){return Array.prototype.slice.call("
    "document.querySelectorAll('#accounts details'));};\n"
    "var expandBtn=document.getElementById('expand-all');\n"
    "expandBtn.addEventListener('click',function(){var open=expandBtn.getAttribute('data-open')"
    "!=='1';allDetails().forEach(function(d){d.open=open;});"
    "expandBtn.setAttribute('data-open',open?'1':'0');"
    "expandBtn.textContent=open?'Collapse all details':'Expand all details';});\n"
    "var printOpened=[];\n"
    "window.addEventListener('beforeprint',function(){printOpened=allDetails().filter("
    "function(d){return !d.open;});printOpened.forEach(function(d){d.open=true;});});\n"
    "window.addEventListener('afterprint',function(){printOpened.forEach(function(d){"
    "d.open=false;});printOpened=[];});\n"
    /* #status=S&q=TEXT&open: a link to a filtered view (details open), kept up to date */
    "function fromHash(){var h=location.hash.slice(1),open=false,any=false;\n"
    " if(!h||h==='selftest')return;\n"
    " h.split('&').forEach(function(kv){var i=kv.indexOf('='),k=i<0?kv:kv.slice(0,i),v='';\n"
    "  try{v=i<0?'':decodeURIComponent(kv.slice(i+1));}catch(e){return;}\n"
    "  if(k==='status'){statusSel.value=v;any=true;}else if(k==='q'){textBox.value=v;any=true;}\n"
    "  else if(k==='open'){open=true;any=true;}});\n"
    " applyFilter();\n"
    " if(open)Array.prototype.forEach.call(table.tBodies,function(tb){if(!tb.hidden)"
    "tb.querySelector('details').open=true;});\n"
    " if(any)document.getElementById('accounts-controls').scrollIntoView();\n"
    "}\n"
    "function toHash(){if(location.hash==='#selftest')return;var p=[];\n"
    " if(statusSel.value)p.push('status='+encodeURIComponent(statusSel.value));\n"
    " if(textBox.value)p.push('q='+encodeURIComponent(textBox.value));\n"
    " try{history.replaceState(null,'',p.length?'#'+p.join('&'):location.pathname);}catch(e){}\n"
    "}\n"
    "statusSel.addEventListener('change',toHash);\n"
    "textBox.addEventListener('change',toHash);\n"
    "applyFilter();\n"
    "fromHash();\n",
    "function visible(){return Array.prototype.filter.call(table.tBodies,function(tb){"
    "return !tb.hidden;});}\n"
    "function ids(list){return list.map(function(tb){return tb.rows[0].cells[1].textContent;});}\n"
    /* #selftest: the browser test drives the page and reads the outcome from
     * the DOM (headless --dump-dom), no remote debugging needed. */
    "function selftest(){\n"
    " var out={total:bodies.length,by_status:{},filter:{},sort:{},search:{}};\n"
    " bodies.forEach(function(tb){var s=tb.getAttribute('data-status');"
    "out.by_status[s]=(out.by_status[s]||0)+1;});\n"
    " ORDER.forEach(function(s){statusSel.value=s;applyFilter();var v=visible();\n"
    "  out.filter[s]={shown:v.length,other:v.filter(function(tb){"
    "return tb.getAttribute('data-status')!==s;}).length,label:shown.textContent};});\n"
    " statusSel.value='';applyFilter();\n"
    " var idCol=heads.map(function(th){return th.getAttribute('data-key');}).indexOf('account_id');\n"
    " sortBy(idCol);out.sort.ascending=ids(visible());\n"
    " sortBy(idCol);out.sort.descending=ids(visible());\n"
    " var probe=bodies.length?bodies[0].rows[0].cells[1].textContent:'';\n"
    " textBox.value=probe;applyFilter();out.search={query:probe,ids:ids(visible())};\n"
    " textBox.value='';applyFilter();\n"
    " out.names=bodies.map(function(tb){return tb.rows[0].cells[2].textContent;});\n"
    " out.scripts=document.scripts.length;out.images=document.images.length;\n"
    " out.pwned=window.c1pwned!==undefined||document.body.hasAttribute('data-pwned');\n"
    " out.errors=errors;\n"
    " return out;\n"
    "}\n"
    "if(location.hash==='#selftest'){var res;try{res=selftest();}catch(e){"
    "res={errors:errors.concat(['selftest: '+e])};}\n"
    " document.getElementById('selftest').textContent=JSON.stringify(res);}\n"
    "})();",
};

/* ---- escaping ---- */

void c1_html_escape(struct c1_buf *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	if (!text)
		return;
	while (*p) {
		size_t n = c1_utf8_seq_len(p, SIZE_MAX);
		switch (n ? *p : 0) {
		case '&': c1_buf_puts(out, "&amp;"); break;
		case '<': c1_buf_puts(out, "&lt;"); break;
		case '>': c1_buf_puts(out, "&gt;"); break;
		case '"': c1_buf_puts(out, "&quot;"); break;
		case '\'': c1_buf_puts(out, "&#39;"); break;
		default:
			/* Controls are parse errors in HTML; broken UTF-8 would make
			 * the browser guess. Both become the replacement character. */
			if (n == 0 || (*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
				c1_buf_puts(out, "\xef\xbf\xbd");
			else
				c1_buf_put(out, p, n);
			break;
		}
		p += n ? n : 1;
	}
}

/* ---- small pieces ---- */

static void s_put(struct c1_buf *b, const char *markup)
{
	c1_buf_puts(b, markup);
}

/* Escaped `text`, or a muted dash when there is none. */
static void s_text_or_dash(struct c1_buf *b, const char *text)
{
	if (text && *text)
		c1_html_escape(b, text);
	else
		s_put(b, "<span class=\"none\">\xe2\x80\x94</span>");
}

/* <td>escaped</td>, with an optional class (a literal of ours). */
static void s_td(struct c1_buf *b, const char *cls, const char *text)
{
	if (cls)
		c1_buf_printf(b, "<td class=\"%s\">", cls);
	else
		s_put(b, "<td>");
	s_text_or_dash(b, text);
	s_put(b, "</td>");
}

static const char *s_jstr(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long s_jint(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* ISO-8601 UTC ("2026-11-27T01:30:00.123Z") to Unix ms; false when it is not one. */
static bool s_parse_time(int64_t *out, const char *s)
{
	struct tm tm;
	int ms = 0;
	size_t len = s ? strlen(s) : 0;
	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[len - 1] != 'Z')
		return false;
	for (size_t i = 0; i < 19; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
			return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
	tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
	tm.tm_hour = (s[11] - '0') * 10 + (s[12] - '0');
	tm.tm_min = (s[14] - '0') * 10 + (s[15] - '0');
	tm.tm_sec = (s[17] - '0') * 10 + (s[18] - '0');
	if (s[19] == '.') {
		int scale = 100;
		for (size_t i = 20; i < len - 1; i++) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			ms += (s[i] - '0') * scale;
			scale /= 10;
		}
	} else if (len != 20) {
		return false;
	}
	*out = (int64_t)timegm(&tm) * 1000 + ms;
	return true;
}

static void s_put_duration(struct c1_buf *b, double s)
{
	if (!isfinite(s) || s < 0)
		s = 0;
	if (s < 1) {
		c1_buf_printf(b, "%.0f ms", s * 1000.0);
	} else if (s < 60) {
		c1_buf_printf(b, "%.1f s", s);
	} else if (s < 3600) {
		long t = (long)s;
		c1_buf_printf(b, "%ld min %02ld s", t / 60, t % 60);
	} else {
		long t = (long)s;
		c1_buf_printf(b, "%ld h %02ld min", t / 3600, t % 3600 / 60);
	}
}

/* A time of day for the step table (the full value in the title). */
static void s_put_time(struct c1_buf *b, const char *iso)
{
	if (!iso || strlen(iso) < 20 || iso[10] != 'T') {
		s_text_or_dash(b, iso);
		return;
	}
	s_put(b, "<time title=\"");
	c1_html_escape(b, iso);
	s_put(b, "\">");
	char clock[32];
	snprintf(clock, sizeof(clock), "%s", iso + 11);
	size_t n = strlen(clock);
	if (n && clock[n - 1] == 'Z')
		clock[n - 1] = '\0';
	c1_html_escape(b, clock);
	s_put(b, "</time>");
}

static const char *s_account_status(const char *name)
{
	enum c1_account_status st;
	if (name && c1_account_status_parse(&st, name) == 0 && st < C1_ACCOUNT_STATUS_COUNT)
		return c1_account_status_name(st);
	return "unknown";
}

static const char *s_step_status(const char *name)
{
	enum c1_step_status st;
	if (name && c1_step_status_parse(&st, name) == 0)
		return c1_step_status_name(st);
	return "unknown";
}

static void s_badge(struct c1_buf *b, const char *prefix, const char *status, const char *label)
{
	c1_buf_printf(b, "<span class=\"badge %s-%s\">", prefix, status);
	c1_html_escape(b, label);
	s_put(b, "</span>");
}

/* An error object of report.json (code, message, http_status, request_id). */
static void s_error(struct c1_buf *b, const json_t *e)
{
	long long http = s_jint(e, "http_status");
	const char *request_id = s_jstr(e, "request_id");
	s_put(b, "<div class=\"err\"><span class=\"code\">");
	s_text_or_dash(b, s_jstr(e, "code"));
	s_put(b, "</span>");
	if (http > 0)
		c1_buf_printf(b, " &middot; HTTP %lld", http);
	if (request_id && *request_id) {
		s_put(b, " &middot; request id <code>");
		c1_html_escape(b, request_id);
		s_put(b, "</code>");
	}
	s_put(b, "<div class=\"msg\">");
	c1_html_escape(b, s_jstr(e, "message"));
	s_put(b, "</div></div>");
}

/* ---- one account ---- */

/* The retries a step took, one line each: when, what failed, how long it waited. */
static void s_retries(struct c1_buf *b, const json_t *retries)
{
	size_t i;
	const json_t *r;
	s_put(b, "<details class=\"retries\"><summary>");
	c1_buf_printf(b, "%zu retr%s", json_array_size(retries), json_array_size(retries) == 1 ? "y" : "ies");
	s_put(b, "</summary><ol>");
	json_array_foreach(retries, i, r)
	{
		const json_t *wait = json_object_get(r, "wait_s");
		long long http = s_jint(r, "http_status");
		s_put(b, "<li>");
		s_put_time(b, s_jstr(r, "at"));
		s_put(b, " <span class=\"code\">");
		s_text_or_dash(b, s_jstr(r, "code"));
		s_put(b, "</span>");
		if (http > 0)
			c1_buf_printf(b, " HTTP %lld", http);
		if (s_jstr(r, "request_id")) {
			s_put(b, " request id <code>");
			c1_html_escape(b, s_jstr(r, "request_id"));
			s_put(b, "</code>");
		}
		s_put(b, "; waited ");
		s_put_duration(b, json_is_number(wait) ? json_number_value(wait) : 0);
		if (json_is_true(json_object_get(r, "outage")))
			s_put(b, " (outage retry)");
		s_put(b, "</li>");
	}
	s_put(b, "</ol></details>");
}

/* The CloudFormation events that explain a failed stack. */
static void s_events(struct c1_buf *b, const json_t *events)
{
	size_t i;
	const json_t *e;
	s_put(b, "<table class=\"sub events\"><thead><tr><th>Time</th><th>Resource</th><th>Type</th>"
		 "<th>Status</th><th>Reason</th></tr></thead><tbody>");
	json_array_foreach(events, i, e)
	{
		s_put(b, "<tr><td>");
		s_put_time(b, s_jstr(e, "at"));
		s_put(b, "</td>");
		s_td(b, "mono", s_jstr(e, "logical_id"));
		s_td(b, "mono", s_jstr(e, "resource_type"));
		s_td(b, NULL, s_jstr(e, "status"));
		s_td(b, NULL, s_jstr(e, "reason"));
		s_put(b, "</tr>");
	}
	s_put(b, "</tbody></table>");
}

static void s_steps(struct c1_buf *b, const json_t *steps)
{
	size_t i;
	const json_t *st;
	int64_t t0 = INT64_MAX, t1 = INT64_MIN;
	json_array_foreach(steps, i, st)
	{
		int64_t s, f;
		if (s_parse_time(&s, s_jstr(st, "started_at"))) {
			t0 = s < t0 ? s : t0;
			t1 = s > t1 ? s : t1;
		}
		if (s_parse_time(&f, s_jstr(st, "finished_at")))
			t1 = f > t1 ? f : t1;
	}
	double span = t0 <= t1 ? (double)(t1 - t0) : 0;
	if (span < 1)
		span = 1;

	s_put(b, "<h4>Steps</h4>");
	if (json_array_size(steps) == 0) {
		s_put(b, "<p class=\"none\">No step ran.</p>");
		return;
	}
	s_put(b, "<table class=\"sub steps\"><thead><tr><th>Step</th><th>Status</th><th "
		 "class=\"num\">Attempts</th><th>Started</th><th>Finished</th><th class=\"num\">Took</th>"
		 "<th>Timeline</th></tr></thead><tbody>");
	json_array_foreach(steps, i, st)
	{
		const char *status = s_step_status(s_jstr(st, "status"));
		const char *plan = s_jstr(st, "plan");
		const json_t *err = json_object_get(st, "error");
		int64_t s = 0, f = 0;
		bool has_s = s_parse_time(&s, s_jstr(st, "started_at"));
		bool has_f = s_parse_time(&f, s_jstr(st, "finished_at"));
		s_put(b, "<tr>");
		s_td(b, "mono", s_jstr(st, "name"));
		s_put(b, "<td>");
		s_badge(b, "ss", status, status);
		if (plan) {
			s_put(b, "<div class=\"plan\">plan: <b>");
			c1_html_escape(b, plan);
			s_put(b, "</b>");
			if (s_jstr(st, "plan_note")) {
				s_put(b, " &middot; ");
				c1_html_escape(b, s_jstr(st, "plan_note"));
			}
			s_put(b, "</div>");
		}
		c1_buf_printf(b, "</td><td class=\"num\">%lld</td><td>", s_jint(st, "attempts"));
		s_put_time(b, s_jstr(st, "started_at"));
		s_put(b, "</td><td>");
		s_put_time(b, s_jstr(st, "finished_at"));
		s_put(b, "</td><td class=\"num\">");
		if (has_s && has_f && f >= s)
			s_put_duration(b, (double)(f - s) / 1000.0);
		else
			s_text_or_dash(b, NULL);
		s_put(b, "</td><td class=\"tl\">");
		if (has_s) {
			double left = (double)(s - t0) * 100.0 / span;
			double width = has_f && f > s ? (double)(f - s) * 100.0 / span : 0;
			if (width < 0.8)
				width = 0.8;
			if (left + width > 100)
				left = 100 - width;
			c1_buf_printf(b,
				      "<div><span class=\"ss-%s\" style=\"left:%.2f%%;width:%.2f%%\"></span>"
				      "</div>",
				      status, left, width);
		}
		s_put(b, "</td></tr>");
		const json_t *retries = json_object_get(st, "retries");
		const json_t *events = json_object_get(st, "events");
		if (json_is_object(err) || json_array_size(retries) || json_array_size(events)) {
			s_put(b, "<tr><td></td><td colspan=\"6\">");
			if (json_is_object(err))
				s_error(b, err);
			if (s_jstr(st, "resource_id")) {
				s_put(b, "<div class=\"arn\">stack <code>");
				c1_html_escape(b, s_jstr(st, "resource_id"));
				s_put(b, "</code></div>");
			}
			if (json_array_size(events))
				s_events(b, events);
			if (json_array_size(retries))
				s_retries(b, retries);
			s_put(b, "</td></tr>");
		}
	}
	s_put(b, "</tbody></table>");
}

static void s_rollback(struct c1_buf *b, const json_t *rollback, const json_t *left_behind)
{
	size_t i;
	const json_t *rb;
	if (json_array_size(rollback) == 0)
		return;
	s_put(b, "<h4>Rollback</h4><table class=\"sub\"><thead><tr><th>Step undone</th><th>Resource</th>"
		 "<th>Type</th><th>Outcome</th><th>At</th><th>Error</th></tr></thead><tbody>");
	json_array_foreach(rollback, i, rb)
	{
		const char *status = s_step_status(s_jstr(rb, "status"));
		const json_t *err = json_object_get(rb, "error");
		const char *label = strcmp(status, "undone") == 0        ? "undone"
				    : strcmp(status, "undo_failed") == 0 ? "left behind"
									 : status;
		s_put(b, "<tr>");
		s_td(b, "mono", s_jstr(rb, "step"));
		s_td(b, "mono", s_jstr(rb, "resource"));
		s_td(b, NULL, s_jstr(rb, "resource_type"));
		s_put(b, "<td>");
		s_badge(b, "ss", status, label);
		s_put(b, "</td><td>");
		s_put_time(b, s_jstr(rb, "at"));
		s_put(b, "</td><td>");
		if (json_is_object(err))
			s_error(b, err);
		else
			s_text_or_dash(b, NULL);
		s_put(b, "</td></tr>");
	}
	s_put(b, "</tbody></table>");
	if (!json_is_array(left_behind))
		return;
	if (json_array_size(left_behind) == 0) {
		s_put(b, "<p class=\"clean\">Nothing was left behind.</p>");
		return;
	}
	s_put(b, "<h4>Left behind</h4><ul class=\"left\">");
	json_array_foreach(left_behind, i, rb)
	{
		s_put(b, "<li><code>");
		c1_html_escape(b, s_jstr(rb, "resource"));
		s_put(b, "</code> (");
		s_text_or_dash(b, s_jstr(rb, "resource_type"));
		s_put(b, "): ");
		c1_html_escape(b, s_jstr(rb, "how_to_remove"));
		s_put(b, "</li>");
	}
	s_put(b, "</ul>");
}

/* One column of a table of JSON objects: its heading, the member shown and the cell's class. */
struct s_column {
	const char *heading;
	const char *key;
	const char *cls; /* NULL: plain text */
};

/* A headed table with one row per object of `items`; nothing when it is empty. */
static void s_object_table(struct c1_buf *b, const char *title, const json_t *items,
			   const struct s_column *cols, size_t ncols)
{
	size_t i;
	const json_t *o;
	if (json_array_size(items) == 0)
		return;
	c1_buf_printf(b, "<h4>%s</h4><table class=\"sub\"><thead><tr>", title);
	for (size_t c = 0; c < ncols; c++)
		c1_buf_printf(b, "<th>%s</th>", cols[c].heading);
	s_put(b, "</tr></thead><tbody>");
	json_array_foreach(items, i, o)
	{
		s_put(b, "<tr>");
		for (size_t c = 0; c < ncols; c++)
			s_td(b, cols[c].cls, s_jstr(o, cols[c].key));
		s_put(b, "</tr>");
	}
	s_put(b, "</tbody></table>");
}

/* What apply repaired on a repaired account. */
static void s_repairs(struct c1_buf *b, const json_t *repairs)
{
	static const struct s_column cols[] = {
	    {"Plane", "plane", NULL},   {"Resource", "resource", "mono"}, {"Was", "kind", NULL},
	    {"Action", "action", NULL}, {"Expected", "expected", "mono"}, {"Found", "actual", "mono"}};
	s_object_table(b, "Repaired", repairs, cols, sizeof(cols) / sizeof(cols[0]));
}

/* Who the account is, as the row and AWS named it, and what to do about it. */
static void s_about(struct c1_buf *b, const json_t *a)
{
	const json_t *inputs = json_object_get(a, "inputs");
	const char *hint = s_jstr(a, "hint");
	const json_t *rerun = json_object_get(a, "rerun_may_succeed");
	if (hint) {
		s_put(b, "<p class=\"hint\"><b>What to do:</b> ");
		c1_html_escape(b, hint);
		if (json_is_boolean(rerun))
			s_put(b, json_is_true(rerun)
				     ? " <span class=\"rerun\">(a rerun may succeed)</span>"
				     : " <span class=\"rerun\">(fix first: a rerun alone will not)</span>");
		s_put(b, "</p>");
	}
	s_put(b, "<p class=\"about\">Tenant <code>");
	s_text_or_dash(b, s_jstr(a, "tenant"));
	s_put(b, "</code> &middot; profile <code>");
	s_text_or_dash(b, s_jstr(inputs, "profile"));
	s_put(b, "</code> &middot; signed in as <code>");
	s_text_or_dash(b, s_jstr(a, "caller_arn"));
	s_put(b, "</code></p>");
}

static void s_drift(struct c1_buf *b, const json_t *drift)
{
	static const struct s_column cols[] = {{"Plane", "plane", NULL},     {"Resource", "resource", "mono"},
					       {"Kind", "kind", NULL},       {"Expected", "expected", "mono"},
					       {"Actual", "actual", "mono"}, {"Fix", "fix", NULL}};
	s_object_table(b, "Drift", drift, cols, sizeof(cols) / sizeof(cols[0]));
}

static void s_resources(struct c1_buf *b, const json_t *resources)
{
	size_t i;
	const json_t *st;
	const json_t *stacks = json_object_get(resources, "stacks");
	const char *connector = s_jstr(resources, "connector_id");
	const char *cloud_account = s_jstr(resources, "cloud_account_id");
	if (json_array_size(stacks) > 0) {
		s_put(b, "<h4>Stacks</h4><table class=\"sub\"><thead><tr><th>Name</th><th>Status</th>"
			 "<th>Stack ID</th></tr></thead><tbody>");
		json_array_foreach(stacks, i, st)
		{
			s_put(b, "<tr>");
			s_td(b, "mono", s_jstr(st, "name"));
			s_td(b, NULL, s_jstr(st, "status"));
			s_td(b, "mono", s_jstr(st, "id"));
			s_put(b, "</tr>");
		}
		s_put(b, "</tbody></table>");
	}
	if (connector || cloud_account) {
		s_put(b, "<p>Workload Security connector: <code>");
		s_text_or_dash(b, connector);
		s_put(b, "</code> &middot; Cloud One cloud account: <code>");
		s_text_or_dash(b, cloud_account);
		s_put(b, "</code></p>");
	}
}

/* The one-line summary of a closed <details>: what is inside. */
static void s_details_summary(struct c1_buf *b, const json_t *a)
{
	const json_t *steps = json_object_get(a, "steps");
	const json_t *rollback = json_object_get(a, "rollback");
	const json_t *v;
	size_t i, failed = 0, left = 0;
	json_array_foreach(steps, i, v) failed += strcmp(s_step_status(s_jstr(v, "status")), "failed") == 0;
	json_array_foreach(rollback, i, v) left +=
	    strcmp(s_step_status(s_jstr(v, "status")), "undo_failed") == 0;
	c1_buf_printf(b, "%zu step%s", json_array_size(steps), json_array_size(steps) == 1 ? "" : "s");
	if (failed)
		c1_buf_printf(b, " (%zu failed)", failed);
	if (json_array_size(rollback))
		c1_buf_printf(b, " &middot; %zu undo%s", json_array_size(rollback),
			      json_array_size(rollback) == 1 ? "" : "s");
	if (left)
		c1_buf_printf(b, " (%zu left behind)", left);
	if (json_array_size(json_object_get(a, "drift")))
		c1_buf_printf(b, " &middot; %zu drift", json_array_size(json_object_get(a, "drift")));
	size_t stacks = json_array_size(json_object_get(json_object_get(a, "resources"), "stacks"));
	if (stacks)
		c1_buf_printf(b, " &middot; %zu stack%s", stacks, stacks == 1 ? "" : "s");
}

static int s_account(struct c1_buf *b, const struct c1_buf *text, size_t index)
{
	json_t *a = NULL;
	int rc = c1_json_parse(&a, c1_buf_view(text), S_ACCOUNT_TEXT_MAX, 0);
	if (rc != 0 || !json_is_object(a)) {
		c1_error_set("report.html: account entry %zu is not a JSON object", index);
		json_decref(a);
		return C1_EINVALID;
	}
	const char *status = s_account_status(s_jstr(a, "status"));
	const json_t *dur = json_object_get(a, "duration_s");
	double duration = json_is_number(dur) ? json_number_value(dur) : 0;
	long long row = s_jint(a, "row");
	const char *plan = s_jstr(a, "plan");

	c1_buf_printf(b, "<tbody class=\"acct\" data-status=\"%s\" data-row=\"%lld\"><tr class=\"main\">",
		      status, row);
	c1_buf_printf(b, "<td class=\"num\">%lld</td>", row);
	s_td(b, "mono", s_jstr(a, "account_id"));
	s_td(b, NULL, s_jstr(a, "name"));
	s_td(b, "nowrap", s_jstr(a, "region"));
	s_put(b, "<td>");
	s_badge(b, "st", status, status);
	c1_buf_printf(b, "</td><td class=\"num\" data-sort=\"%.3f\">", isfinite(duration) ? duration : 0.0);
	s_put_duration(b, duration);
	s_put(b, "</td>");
	s_td(b, "reason", s_jstr(a, "reason"));
	c1_buf_printf(b, "</tr><tr class=\"more\"><td></td><td colspan=\"%d\"><details><summary>",
		      S_ACCOUNT_COLUMNS - 1);
	s_details_summary(b, a);
	s_put(b, "</summary><div class=\"detail\">");
	if (plan) {
		s_put(b, "<p>Plan: <b>");
		c1_html_escape(b, plan);
		s_put(b, "</b></p>");
	}
	s_about(b, a);
	s_steps(b, json_object_get(a, "steps"));
	s_rollback(b, json_object_get(a, "rollback"), json_object_get(a, "left_behind"));
	s_drift(b, json_object_get(a, "drift"));
	s_repairs(b, json_object_get(a, "repairs"));
	s_resources(b, json_object_get(a, "resources"));
	s_put(b, "</div></details></td></tr></tbody>\n");
	json_decref(a);
	return 0;
}

/* ---- the head of the page ---- */

/* The script's hash for the Content-Security-Policy: base64 of SHA-256. */
static void s_put_parts(struct c1_buf *b, const char *const *parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		c1_buf_puts(b, parts[i]);
}

#define S_PUT_PARTS(b, parts) s_put_parts((b), (parts), sizeof(parts) / sizeof((parts)[0]))

static int s_script_hash(char out[48])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char hex[C1_SHA256_HEX_SIZE];
	unsigned char raw[33] = {0};
	size_t o = 0;
	struct c1_buf js = C1_BUF_INIT;
	js.max = SIZE_MAX;
	S_PUT_PARTS(&js, s_js);
	int rc = c1_sha256_hex(hex, js.ptr, js.len);
	c1_buf_dispose(&js);
	if (rc != 0)
		return C1_ERROR;
	for (size_t i = 0; i < 32; i++) {
		unsigned hi = (unsigned)(hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' + 10);
		unsigned lo =
		    (unsigned)(hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0' : hex[2 * i + 1] - 'a' + 10);
		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	/* 32 bytes: ten full groups of three, then two bytes and one '=' */
	for (size_t i = 0; i < 33; i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = i + 3 < 33 ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return 0;
}

static void s_status_css(struct c1_buf *b)
{
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++)
		c1_buf_printf(b, ".st-%s{--c:%s}", c1_account_status_name((enum c1_account_status)s),
			      s_account_colors[s]);
	for (int s = 0; s < C1_STEP_STATUS_COUNT; s++)
		c1_buf_printf(b, ".ss-%s{--c:%s}", c1_step_status_name((enum c1_step_status)s),
			      s_step_colors[s]);
	for (int s = 0; s < C1_V1_STATUS_COUNT; s++)
		c1_buf_printf(b, ".v1-%s{--c:%s}", c1_visionone_status_name((enum c1_visionone_status)s),
			      s_v1_colors[s]);
}

static void s_dt(struct c1_buf *b, const char *term, const char *value, bool mono)
{
	c1_buf_printf(b, "<dt>%s</dt><dd%s>", term, mono ? " class=\"mono\"" : "");
	s_text_or_dash(b, value);
	s_put(b, "</dd>");
}

/* The counts as horizontal bars; clicking one filters the table. */
static void s_chart(struct c1_buf *b, const struct c1_report *r)
{
	size_t max = 1;
	const int label_w = 96, bar_w = 300, row_h = 22;
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++)
		max = r->summary[s] > max ? r->summary[s] : max;
	c1_buf_printf(b,
		      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		      "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"chart-title\"><title "
		      "id=\"chart-title\">Accounts per status (%zu in all)</title>",
		      label_w + bar_w + 60, row_h * C1_ACCOUNT_STATUS_COUNT, label_w + bar_w + 60,
		      row_h * C1_ACCOUNT_STATUS_COUNT, r->total);
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++) {
		const char *name = c1_account_status_name((enum c1_account_status)s);
		int y = s * row_h;
		int w = r->summary[s] ? (int)((double)r->summary[s] * bar_w / (double)max + 0.5) : 0;
		if (r->summary[s] && w < 2)
			w = 2;
		c1_buf_printf(b,
			      "<g class=\"bar st-%s\" data-status=\"%s\"><title>%s: %zu</title>"
			      "<text class=\"lbl\" x=\"0\" y=\"%d\">%s</text>"
			      "<rect class=\"track\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"14\" rx=\"2\"/>"
			      "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"14\" rx=\"2\"/>"
			      "<text class=\"cnt\" x=\"%d\" y=\"%d\">%zu</text></g>",
			      name, name, name, r->summary[s], y + 15, name, label_w, y + 4, bar_w, label_w,
			      y + 4, w, label_w + bar_w + 8, y + 15, r->summary[s]);
	}
	s_put(b, "</svg>");
}

static void s_options(struct c1_buf *b, const char *options_json)
{
	json_t *doc = NULL;
	char *pretty = NULL;
	if (!options_json || !*options_json)
		return;
	if (c1_json_parse(&doc, c1_str_from(options_json), 0, 0) == 0)
		pretty = json_dumps(doc, JSON_INDENT(2));
	s_put(b, "<details><summary>Options of this run</summary><pre class=\"opts\">");
	c1_html_escape(b, pretty ? pretty : options_json);
	s_put(b, "</pre></details>");
	free(pretty);
	json_decref(doc);
}

/* What changed since each account's previous run: the accounts a reviewer looks at first. */
#define S_SINCE_SHOWN 200
static void s_since(struct c1_buf *b, const struct c1_report_since *since)
{
	if (!since->known)
		return;
	c1_buf_printf(
	    b,
	    "<h2>Since the previous run</h2><p id=\"since\">%zu changed &middot; %zu new &middot; %zu "
	    "the same</p>",
	    since->changed_len, since->new_accounts, since->same);
	if (since->changed_len == 0)
		return;
	s_put(b, "<table class=\"sub since\"><thead><tr><th>Account ID</th><th>Region</th><th>Before</th>"
		 "<th>Now</th></tr></thead><tbody>");
	for (size_t i = 0; i < since->changed_len && i < S_SINCE_SHOWN; i++) {
		const struct c1_report_change *c = &since->changed[i];
		s_put(b, "<tr>");
		s_td(b, "mono", c->account_id);
		s_td(b, NULL, c->region);
		s_put(b, "<td>");
		s_badge(b, "st", s_account_status(c->before), s_account_status(c->before));
		s_put(b, "</td><td>");
		s_badge(b, "st", s_account_status(c->now), s_account_status(c->now));
		s_put(b, "</td></tr>");
	}
	s_put(b, "</tbody></table>");
	if (since->changed_len > S_SINCE_SHOWN)
		c1_buf_printf(b, "<p class=\"muted\">and %zu more (report.json has them all)</p>",
			      since->changed_len - S_SINCE_SHOWN);
}

static void s_tenants(struct c1_buf *b, const struct c1_report *r)
{
	c1_buf_printf(b, "<h2>Tenants (%zu)</h2>", r->tenants_len);
	if (r->tenants_len == 0) {
		s_put(b, "<p class=\"none\">No Cloud One tenant in this run.</p>");
		return;
	}
	s_put(b, "<table class=\"tenants\"><thead><tr><th>Cloud One account</th><th>Region</th>"
		 "<th>Vision One link</th><th>Error</th></tr></thead><tbody>");
	for (size_t i = 0; i < r->tenants_len; i++) {
		const struct c1_report_tenant *t = &r->tenants[i];
		enum c1_visionone_status v1 = t->visionone;
		if ((int)v1 < 0 || v1 >= C1_V1_STATUS_COUNT)
			v1 = C1_V1_UNKNOWN;
		s_put(b, "<tr>");
		s_td(b, "mono", t->c1_account_id);
		s_td(b, NULL, t->c1_region);
		s_put(b, "<td>");
		s_badge(b, "v1", c1_visionone_status_name(v1), c1_visionone_status_name(v1));
		s_put(b, "</td>");
		s_td(b, "reason", t->error);
		s_put(b, "</tr>");
	}
	s_put(b, "</tbody></table>");
}

static int s_head(struct c1_buf *b, const struct c1_report *r)
{
	char hash[48];
	int64_t started = 0, finished = 0;
	enum c1_run_status run_status = r->run.status;
	if ((int)run_status < 0 || run_status >= C1_RUN_STATUS_COUNT)
		run_status = C1_RUN_CRASHED;
	if (s_script_hash(hash) != 0) {
		c1_error_set("report.html: cannot hash the page script");
		return C1_ERROR;
	}
	s_put(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
	/* Nothing is fetched: not a script, a style sheet, a font or an image. */
	c1_buf_printf(b,
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		      "style-src 'unsafe-inline'; script-src 'sha256-%s'; base-uri 'none'; form-action "
		      "'none'\">",
		      hash);
	s_put(b, "<meta name=\"generator\" content=\"c1onboard\"><title>c1onboard ");
	c1_html_escape(b, r->run.command);
	s_put(b, " run ");
	c1_html_escape(b, r->run.id);
	s_put(b, "</title><style>");
	S_PUT_PARTS(b, s_css);
	s_status_css(b);
	s_put(b, "</style></head><body><main>");

	s_put(b, "<h1>c1onboard ");
	c1_html_escape(b, r->run.command);
	s_put(b, " &middot; run <span class=\"mono\">");
	c1_html_escape(b, r->run.id);
	s_put(b, "</span></h1>");

	s_put(b, "<h2>Summary</h2><div class=\"top\"><dl class=\"run\">");
	s_dt(b, "Run", r->run.id, true);
	s_dt(b, "Command", r->run.command, false);
	s_dt(b, "Strategy", r->run.strategy, false);
	s_dt(b, "Run status", c1_run_status_name(run_status), false);
	s_dt(b, "Started", r->run.started_at, true);
	s_dt(b, "Finished", r->run.finished_at, true);
	s_put(b, "<dt>Duration</dt><dd>");
	if (s_parse_time(&started, r->run.started_at) && s_parse_time(&finished, r->run.finished_at) &&
	    finished >= started)
		s_put_duration(b, (double)(finished - started) / 1000.0);
	else
		s_text_or_dash(b, NULL);
	s_put(b, "</dd>");
	c1_buf_printf(b, "<dt>Accounts</dt><dd>%zu</dd>", r->total);
	s_dt(b, "Input", r->run.input_path, true);
	s_dt(b, "Input SHA-256", r->run.input_sha256, true);
	s_dt(b, "Tool version", r->run.tool_version, false);
	s_put(b, "</dl><div>");
	s_chart(b, r);
	s_put(b, "</div></div>");
	s_since(b, &r->since);
	s_options(b, r->run.options_json);

	s_tenants(b, r);

	c1_buf_printf(
	    b,
	    "<h2>Accounts (%zu)</h2><div class=\"controls\" id=\"accounts-controls\"><label>Status <select "
	    "id=\"filter-status\"><option value=\"\">all (%zu)</option>",
	    r->total, r->total);
	for (int s = 0; s < C1_ACCOUNT_STATUS_COUNT; s++) {
		const char *name = c1_account_status_name((enum c1_account_status)s);
		c1_buf_printf(b, "<option value=\"%s\">%s (%zu)</option>", name, name, r->summary[s]);
	}
	s_put(b, "</select></label><label>Search <input id=\"filter-text\" type=\"search\" "
		 "placeholder=\"account, name, reason, error code...\" autocomplete=\"off\"></label>"
		 "<span id=\"shown-count\" class=\"muted\"></span>"
		 "<button type=\"button\" id=\"expand-all\">Expand all details</button></div>");
	s_put(b, "<table id=\"accounts\"><thead><tr>"
		 "<th class=\"num\" data-key=\"row\" data-type=\"num\" title=\"input row\">Row</th>"
		 "<th data-key=\"account_id\">Account ID</th><th data-key=\"name\">Name</th>"
		 "<th data-key=\"region\">Region</th><th data-key=\"status\" data-type=\"status\">Status</th>"
		 "<th class=\"num\" data-key=\"duration\" data-type=\"num\">Duration</th>"
		 "<th data-key=\"reason\">Reason</th></tr></thead>\n");
	return 0;
}

static void s_tail(struct c1_buf *b, const struct c1_report *r)
{
	s_put(b, "</table><footer>Written by c1onboard ");
	c1_html_escape(b, r->run.tool_version);
	s_put(b, ". This page is self-contained: it loads nothing from the network. The same data, "
		 "complete, is in report.json beside it.</footer>"
		 "<pre id=\"selftest\" hidden></pre></main><script>");
	S_PUT_PARTS(b, s_js);
	s_put(b, "</script></body></html>\n");
}

/* ---- writing ---- */

static int s_model_account_text(struct c1_buf *out, size_t i, void *payload)
{
	const struct c1_report *r = payload;
	return c1_report_account_to_json_text(out, &r->accounts[i]);
}

int c1_report_write_html(const struct c1_report *r, const char *reports_dir)
{
	return c1_report_write_html_stream(r, r->accounts_len, s_model_account_text, (void *)r, reports_dir);
}

int c1_report_write_html_stream(const struct c1_report *r, size_t accounts_len,
				c1_report_account_text_fn account_text, void *payload,
				const char *reports_dir)
{
	int rc = C1_ERROR;
	char *dir = NULL;
	struct c1_report_file *f = NULL;
	struct c1_buf buf = C1_BUF_INIT;
	struct c1_buf text = C1_BUF_INIT;

	if (!r->run.id || !*r->run.id) {
		c1_error_set("report has no run id");
		return C1_EINVALID;
	}
	rc = c1_report_dir_prepare(&dir, reports_dir, r->run.id);
	if (rc != 0)
		goto cleanup;
	rc = c1_report_file_open(&f, dir, "report.html");
	if (rc != 0)
		goto cleanup;
	buf.max = SIZE_MAX;
	text.max = SIZE_MAX;
	rc = s_head(&buf, r);
	for (size_t i = 0; i < accounts_len && rc == 0; i++) {
		c1_buf_clear(&text);
		rc = account_text(&text, i, payload);
		if (rc == 0)
			rc = s_account(&buf, &text, i);
		if (rc == 0 && buf.len >= S_FLUSH_AT) {
			rc = c1_report_file_write(f, buf.ptr, buf.len);
			c1_buf_clear(&buf);
		}
	}
	if (rc != 0)
		goto cleanup;
	s_tail(&buf, r);
	rc = c1_report_file_write(f, buf.ptr, buf.len);
	if (rc != 0)
		goto cleanup;
	rc = c1_report_file_commit(f);
	f = NULL;
cleanup:
	c1_report_file_abort(f);
	c1_buf_dispose(&buf);
	c1_buf_dispose(&text);
	free(dir);
	return rc;
}
