# Adaptation on task B, width 64
# Re-plot with `gnuplot loss-curves.gp` in this folder; the data is in loss-curves.dat.
set encoding utf8
set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
set output "loss-curves.svg"
set title "Adaptation on task B, width 64"
set xlabel "step"
set ylabel "training loss (nats/token, 5-step blocks)"
set grid
set autoscale xfix
set offsets graph 0.02, graph 0.02, 0, 0
set key below
set style fill transparent solid 0.2 noborder
plot "loss-curves.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "LoRA (η = 0.03)", \
     "loss-curves.dat" index 1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "LoRA+ (η_A = 0.003, λ = 16)", \
     "loss-curves.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "target (c3b)", \
     1.224778737361425 with lines dt 2 lw 1.5 lc rgb "black" title "task B optimum"
