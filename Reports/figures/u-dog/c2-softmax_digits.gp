# softmax regression (digits): f(x̂) − f*
# Re-plot with `gnuplot c2-softmax_digits.gp` in this folder; the data is in c2-softmax_digits.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c2-softmax_digits.svg"
set title "softmax regression (digits): f(x̂) − f*"
set xlabel "gradient evaluations"
set ylabel "suboptimality"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c2-softmax_digits.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c2-softmax_digits.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "U-DoG", \
     "c2-softmax_digits.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c2-softmax_digits.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "DoG", \
     "c2-softmax_digits.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
     "c2-softmax_digits.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "SGD", \
     "c2-softmax_digits.dat" index 3 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
     "c2-softmax_digits.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "AdaGrad-Norm", \
     "c2-softmax_digits.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
     "c2-softmax_digits.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "U-DoG (one batch per iteration)"
