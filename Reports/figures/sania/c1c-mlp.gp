# MLP (digits): training loss
# Re-plot with `gnuplot c1c-mlp.gp` in this folder; the data is in c1c-mlp.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c1c-mlp.svg"
set title "MLP (digits): training loss"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c1c-mlp.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c1c-mlp.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "SGD", \
     "c1c-mlp.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c1c-mlp.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Adam", \
     "c1c-mlp.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "c1c-mlp.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "SPS", \
     "c1c-mlp.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "c1c-mlp.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "SANIA AdaGrad-SQR", \
     "c1c-mlp.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
     "c1c-mlp.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "SANIA Adam-SQR", \
     "c1c-mlp.dat" index 5 using 1:3:4 with filledcurves lc rgb "#8c564b" notitle, \
     "c1c-mlp.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "SANIA Hutchinson", \
     "c1c-mlp.dat" index 6 using 1:3:4 with filledcurves lc rgb "#e377c2" notitle, \
     "c1c-mlp.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "SANIA AdaGrad-SQR (floor 0.1)", \
     "c1c-mlp.dat" index 7 using 1:3:4 with filledcurves lc rgb "#7f7f7f" notitle, \
     "c1c-mlp.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "SANIA Adam-SQR (floor 0.1)"
