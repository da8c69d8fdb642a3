# Perceptron, χ = 1: final ‖w‖ against T
# Re-plot with `gnuplot weight-change-chi1.gp` in this folder; the data is in weight-change-chi1.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "weight-change-chi1.svg"
set title "Perceptron, χ = 1: final ‖w‖ against T"
set xlabel "temperature T = η/B"
set ylabel "‖w_end − w₀‖"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
set logscale y 10
set format y "%g"
plot "weight-change-chi1.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "P = 32", \
     "weight-change-chi1.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "P = 64", \
     "weight-change-chi1.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "P = 128", \
     "weight-change-chi1.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#d62728" title "P = 256", \
     "weight-change-chi1.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "P = 512"
