struct two { double a, b; }; void f(struct two, struct two, struct two, struct two, struct two);
