# Test error during training, rank 64
# Re-plot with `gnuplot error-vs-step-r64.gp` in this folder; the data is in error-vs-step-r64.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "error-vs-step-r64.svg"
set title "Test error during training, rank 64"
set xlabel "step"
set ylabel "test error (%)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "error-vs-step-r64.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "LoRA", \
     "error-vs-step-r64.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "LoRA-SAM", \
     "error-vs-step-r64.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "LoRA-GGPO"
