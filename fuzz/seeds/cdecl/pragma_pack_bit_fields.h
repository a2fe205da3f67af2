#pragma pack(push, 1)
struct hdr { unsigned char kind; unsigned flags : 3; unsigned len : 20; int tail; };
#pragma pack(pop)
struct after { char c; int :0; long long big : 40; _Bool on : 1; };
