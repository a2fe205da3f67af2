#include <stdio.h>
#define LONG_MACRO(x) \
   ((x) + 1)
  # pragma once
int /* inline */ f(int a, // trailing
 int b);
#if 0
#endif
