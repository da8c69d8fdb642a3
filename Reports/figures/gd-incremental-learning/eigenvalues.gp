# Eigenvalues of UUᵀ during GD (k = 30, α = 1e-8, seed 0, population)
# Re-plot with `gnuplot eigenvalues.gp` in this folder; the data is in eigenvalues.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "eigenvalues.svg"
set title "Eigenvalues of UUᵀ during GD (k = 30, α = 1e-8, seed 0, population)"
set xlabel "step"
set ylabel "eigenvalue"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
set logscale y 10
set format y "%g"
plot "eigenvalues.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "λ1", \
     "eigenvalues.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "λ2", \
     "eigenvalues.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "λ3", \
     "eigenvalues.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "λ4"
