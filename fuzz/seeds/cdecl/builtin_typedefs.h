int vprintf(const char *fmt, va_list ap);
ssize_t read(int fd, void *buf, size_t n);
intptr_t g(uintptr_t, ptrdiff_t, wchar_t, off_t, int8_t, uint16_t, int32_t, uint64_t);
typedef unsigned long long uint64_t; uint64_t h(void);
