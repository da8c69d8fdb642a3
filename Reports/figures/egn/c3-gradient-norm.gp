# Full-batch EGN: gradient norm
# Re-plot with `gnuplot c3-gradient-norm.gp` in this folder; the data is in c3-gradient-norm.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c3-gradient-norm.svg"
set title "Full-batch EGN: gradient norm"
set xlabel "step"
set ylabel "‖∇f‖"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "c3-gradient-norm.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "seed 0: slope -0.0136, R² 0.712; second half -0.0122, R² 0.996", \
     "c3-gradient-norm.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "seed 1: slope -0.0139, R² 0.739; second half -0.0108, R² 0.999", \
     "c3-gradient-norm.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "seed 2: slope -0.019, R² 0.887; second half -0.0177, R² 0.998"
