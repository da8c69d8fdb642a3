# softmax regression (digits, original features): training loss
# Re-plot with `gnuplot c1-logreg.gp` in this folder; the data is in c1-logreg.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c1-logreg.svg"
set title "softmax regression (digits, original features): training loss"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c1-logreg.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c1-logreg.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "SGD", \
     "c1-logreg.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c1-logreg.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Adam", \
     "c1-logreg.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "c1-logreg.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "SPS", \
     "c1-logreg.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "c1-logreg.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "SANIA AdaGrad-SQR", \
     "c1-logreg.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
     "c1-logreg.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "SANIA Adam-SQR", \
     "c1-logreg.dat" index 5 using 1:3:4 with filledcurves lc rgb "#8c564b" notitle, \
     "c1-logreg.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "SANIA Hutchinson", \
     "c1-logreg.dat" index 6 using 1:3:4 with filledcurves lc rgb "#e377c2" notitle, \
     "c1-logreg.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "SANIA AdaGrad-SQR (floor 0.1)", \
     "c1-logreg.dat" index 7 using 1:3:4 with filledcurves lc rgb "#7f7f7f" notitle, \
     "c1-logreg.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "SANIA Adam-SQR (floor 0.1)"
