# AdAdaGradNorm: min_k ‖∇F(x_k)‖² against K
# Re-plot with `gnuplot rate.gp` in this folder; the data is in rate.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "rate.svg"
set title "AdAdaGradNorm: min_k ‖∇F(x_k)‖² against K"
set xlabel "K"
set ylabel "min ‖∇F‖²"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
set logscale y 10
set format y "%g"
plot "rate.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "rate.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "AdAdaGradNorm", \
     "rate.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "1/K (scaled)"
