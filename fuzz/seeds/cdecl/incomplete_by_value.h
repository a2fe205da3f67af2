struct s;
void f(int a, struct s x);
