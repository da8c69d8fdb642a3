# FLOPs of one factor update
# Re-plot with `gnuplot c1-flops.gp` in this folder; the data is in c1-flops.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c1-flops.svg"
set title "FLOPs of one factor update"
set xlabel "layer width d"
set ylabel "FLOPs"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "c1-flops.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "MKOR (Sherman–Morrison)", \
     "c1-flops.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "K-FAC (covariances + inversion)"
