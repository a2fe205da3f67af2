int f(char c, unsigned char uc, short s, _Bool b, unsigned short us, signed char sc, bool b2);
