# find and xargs over a generated tree (find's order is the directory
# order of the file system, so its output is sorted).
umask 022
d=$(mktemp -d /tmp/bb-find.XXXXXX) && cd "$d" || exit 99
trap 'cd / && rm -rf "$d"' EXIT

for a in 1 2 3; do
	for b in x y; do
		mkdir -p "t/d$a/$b"
		for c in 1 2 3 4; do
			printf '%s\n' "$a$b$c" >"t/d$a/$b/f$c.txt"
		done
		echo data >"t/d$a/$b/g.dat"
	done
done
ln -s ../d1 t/d2/link
find t -exec touch -d @1400000000 {} +
touch -d @1000000000 t/d1/x/f1.txt
touch -d @2000000000 t/d3/y/g.dat
echo "== find"
find t | sort | head -n 8
find t | wc -l
find t -type d | sort
find t -type l
find t -name '*.dat' | sort
find t -name 'f[12].txt' -path '*d3*' | sort
find t -maxdepth 1 | sort
find t -mindepth 3 -type f | wc -l
find t -newer t/d1/x/f1.txt -name g.dat | wc -l
find t/d3 -newer t/d1/x/f2.txt -name g.dat
find t -type f -size -2 | wc -l
find t -name 'f2.txt' -exec cat {} \; | sort | tr '\n' ' '; echo
find t -name '*.dat' -exec echo found {} + | tr ' ' '\n' | sort | uniq -c
find t/d1 -type f ! -name '*.txt' | sort
find -L t/d2 -name g.dat | sort
find t -empty | wc -l
echo "== xargs"
seq 1 10 | xargs echo
seq 1 10 | xargs -n 3 echo
seq 1 5 | xargs -I{} echo "item {} done"
find t -name 'f1.txt' -print0 | sort -z | xargs -0 cat
printf 'a b\nc\n' | xargs printf '<%s>'; echo
seq 1 1000 | xargs | wc -c
seq 1 3 | xargs sh -c 'echo "$# args, exit 2"; exit 2'
echo "xargs status: $?"
echo "" | xargs echo "empty:"
seq 1 5000 | xargs -n 500 echo | wc -l
