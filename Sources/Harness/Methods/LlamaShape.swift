// # LLaMA shapes for memory claims
//
// Memory-efficient training papers state their savings at LLaMA sizes (60M to 7B, the GaLore
// configurations that most of them reuse). A claim about bytes is checked by counting those bytes
// exactly at the paper's shapes and precision, from the same formulas as the tiny runs; this file
// holds the shapes and the precision-independent counts, each paper adds its own state formula.

/// A LLaMA decoder configuration (GaLore's `configs/llama_*.json`, which the memory-efficient
/// papers reuse); each paper pairs it with the rank its own scripts use.
public struct LlamaShape: Sendable, Equatable {
    public var name: String
    public var hidden: Int
    /// The MLP's inner width (`intermediate_size`).
    public var mlp: Int
    public var layers: Int
    public var vocabulary: Int

    public init(name: String, hidden: Int, mlp: Int, layers: Int, vocabulary: Int = 32000) {
        self.name = name
        self.hidden = hidden
        self.mlp = mlp
        self.layers = layers
        self.vocabulary = vocabulary
    }

    public static let llama60M = LlamaShape(name: "60M", hidden: 512, mlp: 1376, layers: 8)
    public static let llama130M = LlamaShape(name: "130M", hidden: 768, mlp: 2048, layers: 12)
    public static let llama350M = LlamaShape(name: "350M", hidden: 1024, mlp: 2736, layers: 24)
    public static let llama1B = LlamaShape(name: "1B", hidden: 2048, mlp: 5461, layers: 24)
    public static let llama7B = LlamaShape(name: "7B", hidden: 4096, mlp: 11008, layers: 32)

    /// One layer's attention and MLP matrices as `(inputs, outputs)`: q, k, v, o, gate, up, down.
    public var matrices: [(inputs: Int, outputs: Int)] {
        Array(repeating: (hidden, hidden), count: 4) + [(hidden, mlp), (hidden, mlp), (mlp, hidden)]
    }

    /// Embeddings, output head and RMSNorm weights: the tensors low-rank methods leave to Adam.
    public var otherParameters: Int { 2 * vocabulary * hidden + (2 * layers + 1) * hidden }

    public var parameters: Int { layers * matrices.reduce(0) { $0 + $1.inputs * $1.outputs } + otherParameters }

    /// Bytes per BF16 value.
    public static let bf16 = 2.0

    /// Bytes of `count` values in bitsandbytes' 8-bit block-wise state: one byte each and an fp32
    /// absmax per block of 256.
    public static func eightBit(_ count: Int) -> Double { Double(count) + 4 * Double((count + 255) / 256) }

    /// Adam's two moments for every parameter at BF16.
    public var adamState: Double { 2 * Self.bf16 * Double(parameters) }
}
