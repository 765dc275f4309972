//! Paragraphs into an outline by their labels: a label of a style already open closes what is
//! below it and starts a sibling; a new style starts a child. Unlabelled paragraphs belong to
//! the item above them.

use super::clean::Para;
use super::label::{self, Label, Style};
use crate::domain::imports::Lines;

#[derive(Debug, Clone)]
pub struct Node {
    pub label: Option<Label>,
    /// The paragraph after its label.
    pub text: String,
    /// Unlabelled paragraphs that follow it.
    pub body: Vec<Para>,
    pub lines: Lines,
    pub children: Vec<Node>,
}

impl Node {
    fn new(label: Option<Label>, text: String, lines: Lines) -> Node {
        Node { label, text, body: Vec::new(), lines, children: Vec::new() }
    }

    pub fn label_text(&self) -> &str {
        self.label.as_ref().map_or("", |l| l.text.as_str())
    }

    /// Lines of the item and of everything under it.
    pub fn span(&self) -> Lines {
        let mut s = self.lines;
        for b in &self.body {
            s = s.to(b.lines);
        }
        for c in &self.children {
            s = s.to(c.span());
        }
        s
    }

    /// The text of the body paragraphs, joined as one.
    pub fn body_text(&self) -> String {
        self.body.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join("")
    }

    /// Everything under the item as running text: its body, then each child with its label.
    pub fn full_text(&self) -> String {
        let mut s = self.text.clone();
        s.push_str(&self.body_text());
        for c in &self.children {
            s.push_str(c.label_text());
            s.push_str(&c.full_text());
        }
        s
    }

    pub fn depth(&self) -> usize {
        1 + self.children.iter().map(Node::depth).max().unwrap_or(0)
    }
}

/// Builds the outline. The root holds what comes before the first label in its body.
pub fn build(paras: &[Para]) -> Node {
    let mut root = Node::new(None, String::new(), Lines::one(paras.first().map_or(1, |p| p.lines.first)));
    // The open items, outermost first: their style and the last number seen at that level.
    let mut open: Vec<(Style, u32)> = Vec::new();
    for p in paras {
        let Some(mut l) = label::at_start(&p.text) else {
            deepest(&mut root, open.len()).body.push(p.clone());
            continue;
        };
        // After ⑳ the list goes on as (21), (22) …
        if l.style == Style::ArabicParen && l.number > 20 && open.iter().any(|&(s, n)| s == Style::Circled && n + 1 == l.number) {
            l.style = Style::Circled;
        }
        let level = match open.iter().position(|&(s, _)| s == l.style) {
            Some(level) => level,
            None => open.len(),
        };
        open.truncate(level);
        open.push((l.style, l.number));
        let text = p.text[l.len..].to_string();
        let node = Node::new(Some(l), text, p.lines);
        deepest(&mut root, level).children.push(node);
    }
    root
}

/// The last item at `depth` levels below the root (the root itself at 0).
fn deepest(root: &mut Node, depth: usize) -> &mut Node {
    let mut n = root;
    for _ in 0..depth {
        if n.children.is_empty() {
            break;
        }
        let last = n.children.len() - 1;
        n = &mut n.children[last];
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paras(src: &str) -> Vec<Para> {
        src.lines().enumerate().map(|(i, l)| Para { text: l.to_string(), lines: Lines::one(i as u32 + 1) }).collect()
    }

    #[test]
    fn styles_nest_in_the_order_they_appear() {
        let root = build(&paras("引言\n一、部分\n（一）类别\n1. 问题\n①措施\n续文\n②措施\n2. 问题\n①措施\n二、下一步"));
        assert_eq!(root.body.len(), 1);
        assert_eq!(root.children.len(), 2);
        let cat = &root.children[0].children[0];
        assert_eq!(cat.text, "类别");
        assert_eq!(cat.children.len(), 2);
        assert_eq!(cat.children[0].children.len(), 2);
        assert_eq!(cat.children[0].children[0].body_text(), "续文");
        assert_eq!(cat.children[1].children.len(), 1);
        assert_eq!(root.depth(), 5);
    }

    #[test]
    fn twenty_one_follows_twenty() {
        let mut src = String::from("1. 问题\n");
        for n in 1..=20 {
            src.push(char::from_u32(0x2460 + n - 1).unwrap_or('?'));
            src.push_str("措施\n");
        }
        src.push_str("(21)措施\n（22）措施\n");
        let root = build(&paras(&src));
        assert_eq!(root.children[0].children.len(), 22);
    }
}
