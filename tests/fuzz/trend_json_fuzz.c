/* Fuzz target for the Cloud One and Vision One JSON replies (engine/trend/, engine/core/json.c):
 * the input is one HTTP answer (fuzz_response.h) replayed for the client call its selector
 * names, so every reply parser meets arbitrary status, headers and body. A reply of the wrong
 * shape must be an error, never a crash, a leak or a half-filled output. */
#include "fuzz_response.h"

#include "engine/core/json.h"
#include "engine/core/secret.h"
#include "engine/trend/cloudone.h"
#include "engine/trend/visionone.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_cloudone(unsigned which, const struct c1_cloudone_client *c, struct c1_api_error *err)
{
	switch (which) {
	case 0: {
		struct c1_cloudone_apikey key = C1_CLOUDONE_APIKEY_INIT;
		c1_cloudone_get_apikey(&key, c, err);
		c1_cloudone_apikey_dispose(&key);
		break;
	}
	case 1:
	case 2: {
		struct c1_cloudone_v1_registration reg = C1_CLOUDONE_V1_REGISTRATION_INIT;
		struct c1_secret token = C1_SECRET_INIT;
		c1_secret_set(&token, "enroll-token", 12);
		c1_cloudone_visionone_connect(&reg, c, &token, err);
		c1_secret_dispose(&token);
		c1_cloudone_v1_registration_dispose(&reg);
		break;
	}
	case 3: {
		char *id = NULL;
		c1_cloudone_ws_external_id(&id, c, err);
		free(id);
		break;
	}
	case 4:
	case 5:
	case 6:
	case 7: {
		struct c1_cloudone_ws_connector conn = C1_CLOUDONE_WS_CONNECTOR_INIT;
		if (which == 4)
			c1_cloudone_ws_connector_create(&conn, c, "name", "111122223333",
							"arn:aws:iam::111122223333:role/c1", err);
		else if (which == 5)
			c1_cloudone_ws_connector_get(&conn, c, 42, err);
		else if (which == 6)
			c1_cloudone_ws_connector_update(&conn, c, 42, "arn:aws:iam::111122223333:role/c1",
							err);
		else
			c1_cloudone_ws_connector_find(&conn, c, "111122223333", err);
		c1_cloudone_ws_connector_dispose(&conn);
		break;
	}
	case 8: {
		struct c1_cloudone_ws_connector_list list = C1_CLOUDONE_WS_CONNECTOR_LIST_INIT;
		c1_cloudone_ws_connector_search(&list, c, "111122223333", err);
		c1_cloudone_ws_connector_list_dispose(&list);
		break;
	}
	case 9: c1_cloudone_ws_connector_delete(c, 42, err); break;
	case 10:
	case 11: {
		struct c1_cloudone_cloud_account acct = C1_CLOUDONE_CLOUD_ACCOUNT_INIT;
		if (which == 10)
			c1_cloudone_cloud_account_create(&acct, c, "arn:aws:iam::111122223333:role/c1",
							 "alias", "desc", err);
		else
			c1_cloudone_cloud_account_get(&acct, c, "111122223333", err);
		c1_cloudone_cloud_account_dispose(&acct);
		break;
	}
	case 12:
	case 13: {
		struct c1_cloudone_cloud_account_list list = C1_CLOUDONE_CLOUD_ACCOUNT_LIST_INIT;
		char *next = NULL;
		/* the list call follows `next` while the same reply keeps offering one; it must end */
		if (which == 12)
			c1_cloudone_cloud_account_list(&list, c, err);
		else
			c1_cloudone_cloud_account_page(&list, &next, c, "cursor", err);
		free(next);
		c1_cloudone_cloud_account_list_dispose(&list);
		break;
	}
	case 14: c1_cloudone_cloud_account_delete(c, "111122223333", err); break;
	default: {
		struct c1_cloudone_cloudtrail_params params = C1_CLOUDONE_CLOUDTRAIL_PARAMS_INIT;
		c1_cloudone_cloudtrail_stack(&params, c, "111122223333", "us-east-1", err);
		c1_cloudone_cloudtrail_params_dispose(&params);
		break;
	}
	}
}

static void s_visionone(unsigned which, const struct c1_visionone_client *c, struct c1_api_error *err)
{
	if (which == 0) {
		struct c1_visionone_enrollment e = C1_VISIONONE_ENROLLMENT_INIT;
		c1_visionone_enrollment_token(&e, c, err);
		c1_visionone_enrollment_dispose(&e);
	} else if (which == 1) {
		struct c1_visionone_connector_list list = C1_VISIONONE_CONNECTOR_LIST_INIT;
		c1_visionone_list_connectors(&list, c, err);
		c1_visionone_connector_list_dispose(&list);
	} else {
		c1_visionone_delete_connector(c, "conn-1", err);
	}
}

/* The helpers on their own, with the paths the clients use. */
static void s_json(struct c1_str body, unsigned depth)
{
	json_t *root = NULL;
	int64_t i = 0;
	bool b = false;
	if (c1_json_parse(&root, body, 64 * 1024, (int)(depth % 70)) != 0)
		return;
	(void)c1_json_get_string(root, "registration.status");
	(void)c1_json_get_int(root, "items.0.ID", &i);
	(void)c1_json_get_bool(root, "data.0.isConnected", &b);
	(void)c1_json_at(root, "error.message");
	(void)c1_json_at(root, "0.1.2");
	free(c1_json_dump(root));
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_response answer;
	struct fuzz_transport transport;
	struct c1_api_error err = C1_API_ERROR_INIT;
	struct c1_secret key = C1_SECRET_INIT;
	struct c1_cloudone_client c1 = C1_CLOUDONE_CLIENT_INIT;
	struct c1_visionone_client v1 = C1_VISIONONE_CLIENT_INIT;

	fuzz_response_parse(&answer, data, size);
	fuzz_transport_init(&transport, &answer);
	c1_secret_set(&key, "tmc12345:secret", 15);
	unsigned which = answer.selector % 20;
	if (which < 16) {
		struct c1_cloudone_config cfg = {&transport.base, &key, "us-1", NULL, 0};
		if (c1_cloudone_client_init(&c1, &cfg) == 0)
			s_cloudone(which, &c1, &err);
	} else if (which < 19) {
		struct c1_visionone_config cfg = {0};
		cfg.transport = &transport.base;
		cfg.token = &key;
		if (c1_visionone_client_init(&v1, &cfg) == 0)
			s_visionone(which - 16, &v1, &err);
	} else {
		s_json(answer.body, answer.selector / 20);
	}
	c1_cloudone_client_dispose(&c1);
	c1_visionone_client_dispose(&v1);
	c1_secret_dispose(&key);
	fuzz_response_dispose(&answer);
	return 0;
}
