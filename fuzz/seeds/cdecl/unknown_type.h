int f(void);

  void g(foo x);
