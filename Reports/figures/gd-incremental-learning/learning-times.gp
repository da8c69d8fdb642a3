# When each direction is learned (k = 30, population, mean over seeds)
# Re-plot with `gnuplot learning-times.gp` in this folder; the data is in learning-times.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "learning-times.svg"
set title "When each direction is learned (k = 30, population, mean over seeds)"
set xlabel "ln(1/α)"
set ylabel "step t_s"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "learning-times.dat" index 0 using 1:2 with points pt 7 ps 0.8 lc rgb "#1f77b4" title "t1 measured", \
     "learning-times.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "t1 predicted slope", \
     "learning-times.dat" index 2 using 1:2 with points pt 7 ps 0.8 lc rgb "#2ca02c" title "t2 measured", \
     "learning-times.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "t2 predicted slope", \
     "learning-times.dat" index 4 using 1:2 with points pt 7 ps 0.8 lc rgb "#9467bd" title "t3 measured", \
     "learning-times.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "t3 predicted slope"
