// The shortest decimal digits that read back as the same double (what
// Python's repr prints), from Google's double-conversion library: its
// Grisu3 with a bignum fallback is exact and about ten times faster than
// trying printf precisions until one round-trips.
#include <double-conversion/double-to-string.h>

extern "C" int mlf__dtoa_shortest(double v, char *digits, int cap, int *ret_len, int *ret_point);

// Writes the digits of |v| (v finite and non-zero) without a terminator;
// the value is 0.DIGITS x 10^point. Returns 0.
extern "C" int mlf__dtoa_shortest(double v, char *digits, int cap, int *ret_len, int *ret_point)
{
    bool sign = false;
    char tmp[32];
    int len = 0, point = 0;
    double_conversion::DoubleToStringConverter::DoubleToAscii(
        v, double_conversion::DoubleToStringConverter::SHORTEST, 0, tmp, (int)sizeof(tmp), &sign, &len, &point);
    if (len > cap)
        len = cap;
    for (int i = 0; i < len; i++)
        digits[i] = tmp[i];
    *ret_len = len;
    *ret_point = point;
    return 0;
}
