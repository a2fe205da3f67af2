_Float16 half(_Float128, __float128, _Decimal64, _BitInt(7), _Atomic int *);
