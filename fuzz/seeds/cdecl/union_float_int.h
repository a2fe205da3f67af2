union u { float f; int i; }; union u f(union u v);
