enum { X = 0x1ffffffffffffffffwb >> 60, Y = (unsigned _BitInt(100))1 << 64 >> 60 };
enum { Z = -1wb < 1u, W = (unsigned _BitInt(127))-1 + 1uwb, V = (_BitInt(128))-1 >> 127 };
struct s { char a[0x10000000000000000uwb >> 62]; int b : (_BitInt(70))5; };
_Static_assert(0x1'0000'0000'0000'0000wb > 0xffff'ffff'ffff'ffffu, "wide");
enum { TOO_WIDE = 0x1ffffffffffffffffffffffffffffffffffwb >> 130 };
int f(_BitInt(200), struct s);
