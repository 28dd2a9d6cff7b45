#pragma once
// Typed, non-variadic wrappers around libcurl's variadic curl_easy_setopt / curl_easy_getinfo.
// A variadic call reads its argument by the type the option expects, so Swift must call the
// wrapper whose C type matches the option (long, curl_off_t, pointer, string, callback).
#include <curl/curl.h>
#include <stddef.h>

typedef size_t (*CCurlShim_write_callback)(char *_Nonnull ptr, size_t size, size_t nmemb, void *_Nullable userdata);
typedef size_t (*CCurlShim_read_callback)(char *_Nonnull buffer, size_t size, size_t nitems, void *_Nullable userdata);

CURLcode CCurlShim_easy_setopt_long(CURL *_Nonnull handle, CURLoption option, long value);
CURLcode CCurlShim_easy_setopt_off_t(CURL *_Nonnull handle, CURLoption option, curl_off_t value);
CURLcode CCurlShim_easy_setopt_string(CURL *_Nonnull handle, CURLoption option, const char *_Nullable value);
CURLcode CCurlShim_easy_setopt_pointer(CURL *_Nonnull handle, CURLoption option, void *_Nullable value);
CURLcode CCurlShim_easy_setopt_slist(CURL *_Nonnull handle, CURLoption option, struct curl_slist *_Nullable value);
CURLcode CCurlShim_easy_setopt_write_callback(CURL *_Nonnull handle, CURLoption option, CCurlShim_write_callback _Nullable value);
CURLcode CCurlShim_easy_setopt_read_callback(CURL *_Nonnull handle, CURLoption option, CCurlShim_read_callback _Nullable value);

CURLcode CCurlShim_easy_getinfo_long(CURL *_Nonnull handle, CURLINFO info, long *_Nonnull value);
CURLcode CCurlShim_easy_getinfo_double(CURL *_Nonnull handle, CURLINFO info, double *_Nonnull value);
CURLcode CCurlShim_easy_getinfo_string(CURL *_Nonnull handle, CURLINFO info, const char *_Nullable *_Nonnull value);
/// For CURLINFO_*_T options (CURLINFO_RETRY_AFTER, CURLINFO_SIZE_UPLOAD_T, ...).
CURLcode CCurlShim_easy_getinfo_off_t(CURL *_Nonnull handle, CURLINFO info, curl_off_t *_Nonnull value);
