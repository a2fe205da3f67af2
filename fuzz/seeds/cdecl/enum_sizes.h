enum a { A1, B1 };
enum b { A2 = -1, B2 = 0x80000000 };
enum c { A3 = 0xffffffffffffffff };
enum d { A4 = -2147483649 };
enum small : unsigned char { X = 255 };
enum e { A = 1 << 3, B = A * 2, C = (B > 10 ? -B : B) };
enum c f(enum a, enum b, enum d, enum small, enum e);
