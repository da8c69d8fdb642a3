# Training loss at each norm's selected rate
# Re-plot with `gnuplot training-loss.gp` in this folder; the data is in training-loss.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "training-loss.svg"
set title "Training loss at each norm's selected rate"
set xlabel "step"
set ylabel "training loss (nats)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "training-loss.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "LN", \
     "training-loss.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "BN", \
     "training-loss.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "PN"
