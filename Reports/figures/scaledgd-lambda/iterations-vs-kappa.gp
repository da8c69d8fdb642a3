# Iterations to ε = 1.00e-6 against κ
# Re-plot with `gnuplot iterations-vs-kappa.gp` in this folder; the data is in iterations-vs-kappa.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "iterations-vs-kappa.svg"
set title "Iterations to ε = 1.00e-6 against κ"
set xlabel "condition number κ"
set ylabel "iterations (mean over seeds)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale x 10
set format x "%g"
set logscale y 10
set format y "%g"
plot "iterations-vs-kappa.dat" index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#1f77b4" title "GD (r = 6)", \
     "iterations-vs-kappa.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "ScaledGD(λ) (r = 6)", \
     "iterations-vs-kappa.dat" index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#2ca02c" title "ScaledGD(λ) (r = r⋆ = 3)", \
     8000.0 with lines dt 2 lw 1.5 lc rgb "black" title "iteration budget"
