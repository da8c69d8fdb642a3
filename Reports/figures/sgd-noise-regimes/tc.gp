# T_c against training-set size
# Re-plot with `gnuplot tc.gp` in this folder; the data is in tc.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "tc.svg"
set title "T_c against training-set size"
set xlabel "P"
set ylabel "T_c"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "tc.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "χ = 0 measured", \
     "tc.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "χ = 0 fit, slope 0.18", \
     "tc.dat" index 2 using 1:2 with points pt 7 ps 0.8 lc rgb "#2ca02c" title "χ = 1 measured", \
     "tc.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "χ = 1 fit, slope 0.15"
