struct f3 { float a, b, c; }; struct f3 f(struct f3 v);
