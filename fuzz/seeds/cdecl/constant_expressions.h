enum {
    V1 = (unsigned char)-1, V2 = 0 ?: 5, V3 = sizeof(struct { char c; double d; }),
    V4 = _Alignof(long double), V5 = L'\x263a', V6 = 0xffffffffffffffffUL << 63,
    V7 = -1L < 0U, V8 = 0 && 1 / 0, V10 = 0x10 | 010 | 0b1, V11 = ~0U
};
enum { W1 = '\xff', W2 = (char)200, W3 = -7 % 2, W4 = 1 ? 2 : 3 };
struct s { char c[V2 * 2 + sizeof(int[3][4])]; };
struct s f(void);
