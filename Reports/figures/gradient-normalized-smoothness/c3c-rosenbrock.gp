# Rosenbrock least squares, Gauss–Newton
# Re-plot with `gnuplot c3c-rosenbrock.gp` in this folder; the data is in c3c-rosenbrock.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c3c-rosenbrock.svg"
set title "Rosenbrock least squares, Gauss–Newton"
set xlabel "iteration"
set ylabel "‖∇f‖"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c3c-rosenbrock.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "start 0", \
     "c3c-rosenbrock.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "start 1", \
     "c3c-rosenbrock.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "start 2", \
     "c3c-rosenbrock.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "start 3", \
     "c3c-rosenbrock.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "start 4", \
     "c3c-rosenbrock.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "start 5", \
     "c3c-rosenbrock.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "start 6", \
     "c3c-rosenbrock.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "start 7", \
     "c3c-rosenbrock.dat" index 8 using 1:2 with lines lw 2 lc rgb "#bcbd22" title "start 8", \
     "c3c-rosenbrock.dat" index 9 using 1:2 with lines lw 2 lc rgb "#17becf" title "start 9"
