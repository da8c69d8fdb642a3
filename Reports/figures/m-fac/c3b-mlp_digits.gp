# MLP (digits): training loss
# Re-plot with `gnuplot c3b-mlp_digits.gp` in this folder; the data is in c3b-mlp_digits.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c3b-mlp_digits.svg"
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
plot "c3b-mlp_digits.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c3b-mlp_digits.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "M-FAC", \
     "c3b-mlp_digits.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c3b-mlp_digits.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "SGD+momentum", \
     "c3b-mlp_digits.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "c3b-mlp_digits.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "Adam"
