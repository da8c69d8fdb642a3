# logistic regression (wine, raw): training loss
# Re-plot with `gnuplot c1-wine.gp` in this folder; the data is in c1-wine.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c1-wine.svg"
set title "logistic regression (wine, raw): training loss"
set xlabel "gradient evaluations (a Hessian-vector product counts as two)"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c1-wine.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c1-wine.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "OASIS (η₀ = 1)", \
     "c1-wine.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c1-wine.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Adam (tuned)", \
     "c1-wine.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "c1-wine.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "SGD (tuned)", \
     "c1-wine.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "c1-wine.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "Adam (lr 1e-3)", \
     "c1-wine.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
     "c1-wine.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "SGD (lr 1e-2)"
