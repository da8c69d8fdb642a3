# Largest stable learning rate against batch size
# Re-plot with `gnuplot stable-rates.gp` in this folder; the data is in stable-rates.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "stable-rates.svg"
set title "Largest stable learning rate against batch size"
set xlabel "batch size B"
set ylabel "η*"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "stable-rates.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "SGD (geometric mean over seeds)", \
     "stable-rates.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "SGD fit, slope 0.45", \
     "stable-rates.dat" index 2 using 1:2 with points pt 7 ps 0.8 lc rgb "#2ca02c" title "Adam (geometric mean over seeds)", \
     "stable-rates.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "Adam fit, slope 0.71", \
     "stable-rates.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "2/λ_max(H_B), seed 0"
