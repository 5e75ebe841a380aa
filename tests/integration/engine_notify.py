#!/usr/bin/env python3
"""engine_notify: `--notify URL` posts a short JSON summary when a run ends.

A local receiver (the stand-in for a chat webhook) records what arrives:
- `apply --notify URL` on 8 accounts over 4 tenants: one POST, JSON, with the
  run id, command, exit code, counts per status, the report's path and a
  `text` line a chat shows; no secret of the universe and no account reason;
  the webhook URL (whose path is a secret in Slack's webhooks) appears in no
  output of c1onboard, no report and no state row;
- a receiver that answers 500 does not change the run's exit code; a
  warning says the summary was not taken;
- `--notify http://` to a host that is not loopback is refused before
  anything is sent (exit 78)."""
import http.server
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_lib as el  # noqa: E402

received = []
answer = {"status": 200}


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        n = int(self.headers.get("Content-Length") or 0)
        received.append({"path": self.path, "type": self.headers.get("Content-Type"),
                         "body": self.rfile.read(n).decode("utf-8", "replace")})
        self.send_response(answer["status"])
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook_secret = "T0001/B0001/sEcReTmArKwebhook"
url = "http://127.0.0.1:%d/services/%s" % (server.server_address[1], hook_secret)

chk = el.Checks("engine_notify")
u = el.Universe(8, tenants=4, seed=4242, prefix="c1eng-notify-")
u.write_csv()
eng = el.Engine(u, time_scale="0.005")

run = eng.run("apply", "-j", "4", "--notify", url, timeout=120)
el.check_sanitizers(chk, run, "apply --notify")
el.check_report(chk, run, {a: "succeeded" for a in u.ids()}, "apply --notify", rc=0)
chk.eq(len(received), 1, "apply --notify: one POST reached the receiver")
if received:
    got = received[0]
    chk.eq(got["path"], "/services/" + hook_secret, "the POST went to the URL's path")
    chk.eq(got["type"], "application/json", "the POST is JSON")
    doc = json.loads(got["body"])
    chk.eq((doc.get("command"), doc.get("exit_code"), doc.get("total")), ("apply", 0, 8),
           "the summary: command, exit code, total", doc)
    chk.eq(doc.get("run_id"), run.report["run"]["id"], "the summary names the run")
    chk.eq((doc.get("summary") or {}).get("succeeded"), 8, "the summary counts the succeeded accounts", doc)
    chk.check(doc.get("report") and os.path.isfile(doc["report"]), "the summary names the report.json", doc)
    chk.check((doc.get("text") or "").startswith("c1onboard apply %s: 8 accounts: 8 succeeded" % doc.get("run_id")),
              "the summary has a text line a chat shows", doc.get("text"))
    chk.check("accounts" not in doc and "reason" not in got["body"], "the summary lists no account", doc)
    leaked = [s for s in u.secret_values() if s in got["body"]]
    chk.eq(leaked, [], "no secret of the universe in the summary")

# The webhook's URL is a secret too: nowhere in what c1onboard wrote or printed.
seen = [run.out, run.err]
for top, _dirs, files in os.walk(u.root):
    if os.path.relpath(top, u.root).split(os.sep)[0] in ("u", "home"):
        continue
    for f in files:
        with open(os.path.join(top, f), "rb") as fh:
            seen.append(fh.read().decode("latin-1"))
chk.check(not any(hook_secret in text for text in seen), "the webhook URL appears in no output, report or state")

answer["status"] = 500
again = eng.run("apply", "-j", "4", "--notify", url, timeout=120)
el.check_sanitizers(chk, again, "apply --notify, receiver failing")
el.check_report(chk, again, {a: "unchanged" for a in u.ids()}, "apply --notify, receiver failing", rc=0)
chk.eq(len(received), 2, "the second run posted too")
chk.check("receiver answered HTTP 500" in again.err, "a failing receiver is a warning", again.err[-800:])

before = eng.state()
far = eng.run("apply", "--notify", "http://chat.example.com/hook", timeout=60)
el.check_sanitizers(chk, far, "apply --notify to plain http off loopback")
chk.eq(far.rc, 78, "--notify http:// to a host that is not loopback: exit code", far.err[-800:])
chk.check("--notify" in far.err and "use https://" in far.err, "the error says why and how", far.err[-800:])
chk.eq(el.writes_in(el.counter_delta(before, eng.state())), {}, "refused --notify: nothing sent")
chk.eq(len(received), 2, "refused --notify: nothing posted")

server.shutdown()
eng.stop(chk)
chk.finish()
