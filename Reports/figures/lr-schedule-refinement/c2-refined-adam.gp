# Refined schedules for Adam (w = ‖g‖₁⁻¹; diagnostic)
# Re-plot with `gnuplot c2-refined-adam.gp` in this folder; the data is in c2-refined-adam.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "c2-refined-adam.svg"
set title "Refined schedules for Adam (w = ‖g‖₁⁻¹; diagnostic)"
set xlabel "fraction of training t/T"
set ylabel "η_t / max η"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "c2-refined-adam.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "softmax regression (digits)", \
     "c2-refined-adam.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "MLP (digits)", \
     "c2-refined-adam.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "CNN (digits)", \
     "c2-refined-adam.dat" index 3 using 1:2 with lines lw 2 lc rgb "#d62728" title "MLP (MNIST-1D)", \
     "c2-refined-adam.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "linear decay"
