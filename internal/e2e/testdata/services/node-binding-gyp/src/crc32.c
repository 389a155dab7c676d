// crc32 exposes one function, crc32(buffer) -> number, the IEEE CRC-32 of
// the bytes of a Buffer, computed natively.
#include <node_api.h>
#include <stdint.h>

static uint32_t table[256];

static void init_table(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
}

static napi_value Crc32(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "crc32 wants a Buffer");
    return NULL;
  }
  bool is_buffer = false;
  napi_is_buffer(env, argv[0], &is_buffer);
  if (!is_buffer) {
    napi_throw_type_error(env, NULL, "crc32 wants a Buffer");
    return NULL;
  }
  void *data;
  size_t len;
  napi_get_buffer_info(env, argv[0], &data, &len);
  uint32_t c = 0xFFFFFFFFu;
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  napi_value out;
  napi_create_uint32(env, c ^ 0xFFFFFFFFu, &out);
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  init_table();
  napi_value fn;
  napi_create_function(env, "crc32", NAPI_AUTO_LENGTH, Crc32, NULL, &fn);
  napi_set_named_property(env, exports, "crc32", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
