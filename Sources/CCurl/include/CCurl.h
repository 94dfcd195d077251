#ifndef PLUMB_CCURL_H
#define PLUMB_CCURL_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_multi_setopt are variadic macros/functions, which Swift cannot
   call. These typed wrappers are the only way Swift sets options. */
CURLcode plumb_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode plumb_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode plumb_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode plumb_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode plumb_curl_easy_setopt_write_function(CURL *handle,
    size_t (*callback)(char *ptr, size_t size, size_t nmemb, void *userdata));
CURLcode plumb_curl_easy_setopt_header_function(CURL *handle,
    size_t (*callback)(char *ptr, size_t size, size_t nmemb, void *userdata));
CURLcode plumb_curl_easy_setopt_read_function(CURL *handle,
    size_t (*callback)(char *ptr, size_t size, size_t nmemb, void *userdata));
CURLcode plumb_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode plumb_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);
/* Sets a blob option (CURLOPT_CAINFO_BLOB, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB); libcurl
   copies the bytes, so the caller's buffer may go away after the call. */
CURLcode plumb_curl_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length);
CURLMcode plumb_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value);

#endif
