//! Read-only views of the tape for probes and diagnostics: which values exist, what made
//! them, and where a NaN or infinity first appears. Nothing here changes the tape.

use super::{Node, Tape, Var};
use crate::kernels::activation::Activation;
use crate::ParamId;

/// What produced a value on the tape, as far as probes need to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeInfo {
    /// An input (image batch or constant).
    Leaf,
    /// A convolution or linear layer (`relu`: with ReLU fused into its output).
    Weighted {
        /// Its input.
        input: Var,
        /// Its weight.
        weight: ParamId,
        /// The output on the tape is post-ReLU.
        relu: bool,
    },
    /// A batch norm (`relu`: with ReLU fused after it).
    BatchNorm {
        /// Its scale γ.
        gamma: ParamId,
        /// The output on the tape is post-ReLU.
        relu: bool,
    },
    /// An elementwise activation.
    Activation(Activation),
    /// An elementwise sum (`relu`: with ReLU fused after it, the residual block's output).
    Sum {
        /// The output on the tape is post-ReLU.
        relu: bool,
    },
    /// The softmax cross-entropy loss.
    Loss,
    /// Anything else (pooling, reshapes, products, concatenation, shortcuts, dropout).
    Other,
}

impl NodeInfo {
    /// Whether this value is the output of a ReLU (separate or fused).
    pub fn is_relu(&self) -> bool {
        matches!(
            self,
            NodeInfo::Activation(Activation::Relu)
                | NodeInfo::Weighted { relu: true, .. }
                | NodeInfo::BatchNorm { relu: true, .. }
                | NodeInfo::Sum { relu: true }
        )
    }
}

impl Var {
    /// Position on the tape (creation order).
    pub fn index(self) -> usize {
        self.0
    }
}

impl Tape {
    /// Number of values on the tape.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the tape holds no value.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value at position `i` (creation order), if there is one.
    pub fn var_at(&self, i: usize) -> Option<Var> {
        (i < self.values.len()).then_some(Var(i))
    }

    /// What produced `v`.
    pub fn node_info(&self, v: Var) -> NodeInfo {
        match &self.nodes[v.0] {
            Node::Leaf => NodeInfo::Leaf,
            Node::Conv2d(n) => NodeInfo::Weighted { input: n.x, weight: n.w, relu: n.relu },
            Node::Linear(n) => NodeInfo::Weighted { input: n.x, weight: n.w, relu: n.relu },
            Node::BatchNorm(n) => NodeInfo::BatchNorm { gamma: n.p.gamma, relu: n.relu },
            Node::Act(n) => NodeInfo::Activation(n.act),
            Node::Add(n) => NodeInfo::Sum { relu: n.relu },
            Node::SoftmaxCe(_) => NodeInfo::Loss,
            _ => NodeInfo::Other,
        }
    }

    /// The first value, in creation order (the forward pass), holding a NaN or an infinity.
    pub fn first_non_finite_value(&self) -> Option<Var> {
        self.values.iter().position(|t| t.data().iter().any(|v| !v.is_finite())).map(Var)
    }

    /// The first gradient, in reverse creation order (the backward pass), holding a NaN or an
    /// infinity (after [`Tape::backward`]).
    pub fn first_non_finite_grad(&self) -> Option<Var> {
        self.grads.iter().rposition(|g| g.iter().any(|v| !v.is_finite())).map(Var)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Conv2dParams, ParamStore, Tensor};
    use alloc::vec;

    /// Node kinds are reported; a NaN planted in a weight shows up first at that layer's
    /// output going forward.
    #[test]
    fn node_info_and_non_finite_positions() {
        let mut params = ParamStore::new();
        let w = params.add("conv.weight", &[2, 1, 3, 3], vec![0.1; 18]);
        let mut tape = Tape::new();
        let x = tape.input(Tensor::from_vec(&[1, 1, 4, 4], vec![0.5; 16]));
        let p = Conv2dParams::square(1, 2, 3, 1, 1);
        let c = tape.conv2d(&params, x, w, None, p);
        let r = tape.relu(c);
        assert_eq!(tape.node_info(x), NodeInfo::Leaf);
        assert_eq!(tape.node_info(c), NodeInfo::Weighted { input: x, weight: w, relu: false });
        assert!(tape.node_info(r).is_relu());
        assert_eq!(tape.first_non_finite_value(), None);
        params.value_mut(w)[4] = f32::NAN;
        let mut tape2 = Tape::new();
        let x2 = tape2.input(Tensor::from_vec(&[1, 1, 4, 4], vec![0.5; 16]));
        let c2 = tape2.conv2d(&params, x2, w, None, p);
        assert_eq!(tape2.first_non_finite_value(), Some(c2));
        assert_eq!(tape2.var_at(c2.index()), Some(c2));
        assert_eq!(tape2.var_at(99), None);
    }
}
