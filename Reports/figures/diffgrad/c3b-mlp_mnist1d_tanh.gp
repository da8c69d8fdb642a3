# MLP (MNIST-1D, tanh): training loss
# Re-plot with `gnuplot c3b-mlp_mnist1d_tanh.gp` in this folder; the data is in c3b-mlp_mnist1d_tanh.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c3b-mlp_mnist1d_tanh.svg"
set title "MLP (MNIST-1D, tanh): training loss"
set xlabel "step"
set ylabel "training loss"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c3b-mlp_mnist1d_tanh.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
     "c3b-mlp_mnist1d_tanh.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "diffGrad", \
     "c3b-mlp_mnist1d_tanh.dat" index 1 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
     "c3b-mlp_mnist1d_tanh.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "Adam"
