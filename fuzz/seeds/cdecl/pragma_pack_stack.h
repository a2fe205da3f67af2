#pragma pack(push, outer, 2)
struct a { char c; int i; };
#pragma pack(push)
#pragma pack(1)
union u { int x : 5; unsigned y : 12; };
#pragma pack(pop, outer)
struct __attribute__((packed)) p { char a : 7; char b : 2; int : 0; char c; };
