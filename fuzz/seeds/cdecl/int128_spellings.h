unsigned __int128 f(__int128, __uint128_t, signed __int128, __int128 unsigned);
