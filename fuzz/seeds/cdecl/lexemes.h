enum { A = 1'000, B = L'\xffffffff', C = u'\xffff', D = 0x1'0p1 }; int f(int);
