# Text tools over generated data: sort, uniq, sed, awk, grep, cut, tr, wc,
# head, tail.
umask 022
d=$(mktemp -d /tmp/bb-text.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

# 10000 lines "N word-K val" with a deterministic pseudo-random mix.
awk 'BEGIN { x = 7; for (i = 1; i <= 10000; i++) {
	x = (x * 1103515245 + 12345) % 2147483648
	printf "%d w%d %d\n", i, x % 13, (x / 7) % 1000 } }' >data
wc -l <data
wc data | awk '{ print $1, $2, $3 }'
md5sum <data
echo "== sort"
sort -k2,2 -k3n data | head -n 3
sort -t' ' -k3nr -k1n data | head -n 3
cut -d' ' -f2 data | sort | uniq -c | sort -k1nr -k2 | head -n 5
cut -d' ' -f3 data | sort -n -u | wc -l
sort -r data | tail -n 2
printf 'b\nB\na\nA\n10\n9\n' | sort
printf 'b\nB\na\nA\n10\n9\n' | sort -f
printf '10\n9\n100\n-1\n' | sort -n
echo "== uniq"
printf 'a\na\nb\nc\nc\nc\nd\n' | uniq -c
printf 'a\na\nb\nc\nc\nc\nd\n' | uniq -d
printf 'a\na\nb\nc\nc\nc\nd\n' | uniq -u
echo "== sed"
sed -n '100,103p' data
sed -n '/^1999 /,/^2002 /p' data
sed 's/w\([0-9]*\)/word\1/; s/ /_/g' data | sed -n '5p'
printf 'one\ntwo\nthree\n' | sed '2d'
printf 'one\ntwo\nthree\n' | sed -n '$p'
printf 'one\ntwo\nthree\n' | sed 'y/onet/ONET/'
printf 'one\ntwo\nthree\n' | sed '1!G;h;$!d'
printf 'a.b.c\n' | sed 's/\./-/2'
printf 'hello\n' | sed -e 's/l/L/g' -e 's/^/>/'
echo "== awk"
awk '{ s[$2] += $3 } END { for (k in s) print k, s[k] }' data | sort
awk -F' ' '$3 > 990 { n++ } END { print n }' data
awk 'NR % 2500 == 0 { print NR, $1, length($0) }' data
awk 'function sq(x) { return x * x } BEGIN { print sq(12), int(7 / 2), substr("abcdef", 2, 3), index("hello", "l") }'
awk 'BEGIN { s = "a,b,c"; n = split(s, a, ","); print n, a[3]; printf "%05.1f|%-4s|\n", 3.14159, "x" }'
printf 'x y\n' | awk '{ $3 = "z"; print; print NF }'
awk 'BEGIN { x = "A"; y = tolower(x) toupper("b"); gsub(/a/, "[&]", y); print y }'
echo "== grep"
grep -c ' w3 ' data
grep -n '^77 ' data
grep -E '^(1|2)0000? ' data
grep -v ' w' data | wc -l
printf 'Foo\nfoo\nbar\nfoobar\n' | grep -i foo
printf 'Foo\nfoo\nbar\nfoobar\n' | grep -w foo
printf 'Foo\nfoo\nbar\nfoobar\n' | grep -o 'o*'
printf 'a\n' | grep b; echo "no match: $?"
grep x nosuchfile; echo "missing file: $?"
grep -l w1 data
echo "== cut tr"
printf 'a:b:c:d\n' | cut -d: -f2,4
printf 'abcdefgh\n' | cut -c2-4,7-
head -n 3 data | cut -d' ' -f1,3
printf 'Hello World\n' | tr a-z A-Z
printf 'aabbccdd\n' | tr -s a-d
printf 'hello world\n' | tr -d lo
printf 'abc\n' | tr abc 'x-z'
printf 'a1b2c3\n' | tr -cd 0-9; echo
echo "== head tail"
head -n 2 data
tail -n 2 data
tail -n +9999 data
head -c 20 data | od -An -c | tr -s ' '
tail -c 7 data
seq 1 10 | head -n -7
