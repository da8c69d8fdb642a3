# Training loss on the line from the large-batch to the small-batch solution
# Re-plot with `gnuplot interpolation.gp` in this folder; the data is in interpolation.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "interpolation.svg"
set title "Training loss on the line from the large-batch to the small-batch solution"
set xlabel "t (0: full-batch GD, 1: SGD batch 8)"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "interpolation.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "seed 0", \
     "interpolation.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "seed 1", \
     "interpolation.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "seed 2", \
     "interpolation.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "seed 3", \
     "interpolation.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "seed 4"
