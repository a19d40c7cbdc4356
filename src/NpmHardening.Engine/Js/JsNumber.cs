using System;
using System.Numerics;

namespace NpmHardening.Engine.Js
{
    /// <summary>
    /// Text to IEEE double exactly as V8 converts it: the exact value of the literal, rounded once to the
    /// nearest double (ties to even), whatever its length. Accumulating digit by digit in a double rounds at
    /// every step and drifts for literals above 2^53 (0x1000000000000081 is 1152921504606847200 in
    /// JavaScript, not …7000); .NET Framework's double.Parse is not correctly rounded either. Only the leading
    /// digits that can influence the result are kept, plus one "something non-zero follows" bit, so a
    /// megabyte of digits costs no more than twenty.
    /// </summary>
    internal static class JsNumber
    {
        /// <summary>Significant decimal digits kept: more than the 767 a double can ever need to round correctly.</summary>
        private const int MaxDecimalDigits = 800;

        /// <summary>
        /// The digits of <paramref name="text"/>[start, end) in a power-of-two radix (2, 8, 16), as
        /// <c>Number("0x…")</c> and <c>parseInt(…, 8)</c> compute them; NaN when a character is not a digit of the radix.
        /// </summary>
        public static double FromPowerOfTwoDigits(string text, int start, int end, int radix)
        {
            int bitsPerDigit = radix == 2 ? 1 : radix == 8 ? 3 : radix == 16 ? 4 : throw new ArgumentOutOfRangeException(nameof(radix));
            int maxDigits = 128 / bitsPerDigit; // 128 significant bits, well above the 54 rounding needs
            BigInteger top = BigInteger.Zero;
            int kept = 0;
            long dropped = 0;
            bool sticky = false;
            for (int i = start; i < end; i++)
            {
                int d = DigitValue(text[i]);
                if (d < 0 || d >= radix) return double.NaN;
                if (kept == 0 && d == 0) continue; // leading zeros
                if (kept < maxDigits) { top = top * radix + d; kept++; }
                else { dropped++; if (d != 0) sticky = true; }
            }
            if (kept == 0) return 0;
            long exponent = dropped * bitsPerDigit;
            return RoundScaled(top, exponent > int.MaxValue ? int.MaxValue : (int)exponent, sticky);
        }

        /// <summary>
        /// A StrDecimalLiteral already checked for shape: [+-] digits [. digits] [(e|E) [+-] digits] (either
        /// digit run may be empty, not both). Returns the correctly rounded double, ±Infinity on overflow, ±0 on underflow.
        /// </summary>
        public static double FromDecimalLiteral(string text)
        {
            int p = 0;
            bool negative = false;
            if (p < text.Length && (text[p] == '+' || text[p] == '-')) { negative = text[p] == '-'; p++; }
            var digits = new System.Text.StringBuilder();
            long exponent = 0; // of the last kept digit
            bool sticky = false, seenNonZero = false, afterDot = false;
            for (; p < text.Length; p++)
            {
                char c = text[p];
                if (c == '.') { afterDot = true; continue; }
                if (c < '0' || c > '9') break;
                if (afterDot) exponent--;
                if (!seenNonZero && c == '0') continue;
                seenNonZero = true;
                if (digits.Length < MaxDecimalDigits) digits.Append(c);
                else
                {
                    // dropped: the kept digits now stand one place higher (undoing the fraction's step down)
                    if (c != '0') sticky = true;
                    exponent++;
                }
            }
            if (p < text.Length && (text[p] == 'e' || text[p] == 'E'))
            {
                p++;
                bool expNegative = false;
                if (p < text.Length && (text[p] == '+' || text[p] == '-')) { expNegative = text[p] == '-'; p++; }
                long e = 0;
                for (; p < text.Length && text[p] >= '0' && text[p] <= '9'; p++)
                    if (e < 100_000_000_000L) e = e * 10 + (text[p] - '0'); // saturate: far beyond any double
                exponent += expNegative ? -e : e;
            }
            double result = digits.Length == 0 ? 0 : FromDecimal(digits.ToString(), exponent, sticky);
            return negative ? -result : result;
        }

        /// <summary>digits × 10^exponent (+ a little when sticky), digits non-empty without leading zeros.</summary>
        private static double FromDecimal(string digits, long exponent, bool sticky)
        {
            // magnitude: 10^(exponent + digits.Length - 1) <= value < 10^(exponent + digits.Length)
            long magnitude = exponent + digits.Length;
            if (magnitude > 310) return double.PositiveInfinity;
            if (magnitude < -330) return 0;
            var n = BigInteger.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
            if (sticky)
            {
                // one more digit that is neither 0 nor 5: below half of the last place, never a tie
                n = n * 10 + 1;
                exponent--;
            }
            if (exponent >= 0) return RoundScaled(n * BigInteger.Pow(10, (int)exponent), 0, false);
            return RoundQuotient(n, BigInteger.Pow(10, (int)-exponent));
        }

        /// <summary>(n + a non-zero fraction when sticky) × 2^exp2, rounded to nearest, ties to even.</summary>
        private static double RoundScaled(BigInteger n, int exp2, bool sticky)
        {
            int bits = BitLength(n);
            if (bits <= 53)
                return Compose((ulong)n, exp2); // exact (sticky never happens with fewer than 54 significant bits)
            int shift = bits - 53;
            var q = n >> shift;
            var rem = n - (q << shift);
            var half = BigInteger.One << (shift - 1);
            int cmp = rem.CompareTo(half);
            if (cmp > 0 || cmp == 0 && (sticky || !q.IsEven)) q += 1;
            long e = (long)exp2 + shift;
            return Compose((ulong)q, e > int.MaxValue ? int.MaxValue : (int)e);
        }

        /// <summary>num / den rounded to the nearest double (subnormals included), ties to even.</summary>
        private static double RoundQuotient(BigInteger num, BigInteger den)
        {
            // choose e so that q = floor(num / den / 2^e) has 53 bits, but never below the subnormal exponent
            int e = BitLength(num) - BitLength(den) - 53;
            while (true)
            {
                if (e < -1074) e = -1074;
                var (q, r) = Divide(num, den, e);
                int qb = BitLength(q);
                if (qb > 53) { e += qb - 53; continue; }
                if (qb < 53 && e > -1074) { e -= 53 - qb; continue; }
                int cmp = (r << 1).CompareTo(e < 0 ? den : den << e);
                if (cmp > 0 || cmp == 0 && !q.IsEven) q += 1;
                return Compose((ulong)q, e);
            }
        }

        private static (BigInteger Q, BigInteger R) Divide(BigInteger num, BigInteger den, int e)
        {
            // num / (den × 2^e): scale the numerator up for negative e, the denominator up for positive e
            var n = e < 0 ? num << -e : num;
            var d = e < 0 ? den : den << e;
            var q = BigInteger.DivRem(n, d, out var r);
            return (q, r);
        }

        /// <summary>q × 2^e for q ≤ 2^53, as the nearest double (q is already rounded; only overflow can happen).</summary>
        private static double Compose(ulong q, int e)
        {
            if (q == 0) return 0;
            const ulong hidden = 1UL << 52;
            while (q >= hidden << 1) { q >>= 1; e++; } // q was rounded up to 2^53
            while (q < hidden && e > -1074) { q <<= 1; e--; }
            if (q < hidden) return BitConverter.Int64BitsToDouble((long)q); // subnormal: e == -1074
            long biased = (long)e + 52 + 1023;
            if (biased >= 2047) return double.PositiveInfinity;
            return BitConverter.Int64BitsToDouble((biased << 52) | (long)(q & (hidden - 1)));
        }

        private static int BitLength(BigInteger n)
        {
            if (n.IsZero) return 0;
            var bytes = n.ToByteArray(); // little-endian two's complement; n > 0
            int last = bytes.Length - 1;
            while (last > 0 && bytes[last] == 0) last--;
            int bits = last * 8;
            for (int b = bytes[last]; b != 0; b >>= 1) bits++;
            return bits;
        }

        private static int DigitValue(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'z') return c - 'a' + 10;
            if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
            return -1;
        }
    }
}
