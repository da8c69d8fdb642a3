# Digits MLP: training loss
# Re-plot with `gnuplot c2-loss.gp` in this folder; the data is in c2-loss.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c2-loss.svg"
set title "Digits MLP: training loss"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c2-loss.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c2-loss.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "AdamW", \
     "c2-loss.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c2-loss.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Sophia-G", \
     "c2-loss.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "c2-loss.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Sophia-H"
