# Median-filtered gradient norms of the linear-decay runs
# Re-plot with `gnuplot c2-norms.gp` in this folder; the data is in c2-norms.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c2-norms.svg"
set title "Median-filtered gradient norms of the linear-decay runs"
set xlabel "fraction of training t/T"
set ylabel "ĝ_t / ĝ_1"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "c2-norms.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "softmax regression (digits)", \
     "c2-norms.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "MLP (digits)", \
     "c2-norms.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "CNN (digits)", \
     "c2-norms.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "MLP (MNIST-1D)"
