# Best validation loss against λ = η_B/η_A
# Re-plot with `gnuplot ratio-sweep.gp` in this folder; the data is in ratio-sweep.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "ratio-sweep.svg"
set title "Best validation loss against λ = η_B/η_A"
set xlabel "λ"
set ylabel "validation loss (best over η_A)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
plot "ratio-sweep.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "width 16", \
     "ratio-sweep.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "width 32", \
     "ratio-sweep.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "width 64", \
     1.224778737361425 with lines dt 2 lw 1.5 lc rgb "black" title "task B optimum"
