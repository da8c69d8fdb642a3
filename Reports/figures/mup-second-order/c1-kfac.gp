# K-FAC: feature change after one step
# Re-plot with `gnuplot c1-kfac.gp` in this folder; the data is in c1-kfac.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c1-kfac.svg"
set title "K-FAC: feature change after one step"
set xlabel "width M"
set ylabel "change"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 2
set format x "%g"
set logscale y 10
set format y "%g"
plot "c1-kfac.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "SP, input layer (relative)", \
     "c1-kfac.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "SP, hidden layer (relative)", \
     "c1-kfac.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "SP, logits (RMS)", \
     "c1-kfac.dat" index 3 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#d62728" title "μP, input layer (relative)", \
     "c1-kfac.dat" index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#9467bd" title "μP, hidden layer (relative)", \
     "c1-kfac.dat" index 5 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#8c564b" title "μP, logits (RMS)"
