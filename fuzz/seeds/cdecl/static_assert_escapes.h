_Static_assert(1, "a\tb" u8"\u00e9" L"\x41"); _Static_assert(0, "\q");
