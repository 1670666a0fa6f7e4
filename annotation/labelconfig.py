"""The Label Studio labelling config, generated from the label schema."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from builder.core.schema import Schema

#: Flags an annotator can raise on a task, besides labelling it.
FLAGS = ("wrong sentence split", "not news text", "boilerplate")

# Names of the controls; the export parser reads results by these.
TEXT, ENTITIES, TRIGGERS, EVENTS, FLAGS_NAME = "text", "entities", "triggers", "events", "flags"


def labelling_config(schema: Schema) -> str:
    """The <View> XML: context (title, previous and next sentence), the sentence with entity and
    trigger labels, multi-choice event types and flags. Attribute values are XML-quoted."""

    def label(name: str, color: str, hint: str) -> str:
        return f"    <Label value={quoteattr(name)} background={quoteattr(color)} hint={quoteattr(hint)}/>"

    def choice(name: str, hint: str = "") -> str:
        hint_attr = f" hint={quoteattr(hint)}" if hint else ""
        return f"    <Choice value={quoteattr(name)}{hint_attr}/>"

    entity_labels = "\n".join(label(d.label, d.color, d.description) for d in schema.entities)
    trigger_labels = "\n".join(label(d.label, "#fdd0a2", d.description) for d in schema.events)
    event_choices = "\n".join(choice(d.label, d.description) for d in schema.events)
    flag_choices = "\n".join(choice(f) for f in FLAGS)
    return f"""<View>
  <Header value="$title" size="5"/>
  <Text name="context_prev" value="$prev" granularity="word"/>
  <Header value="Sentence to label" size="6"/>
  <Labels name="{ENTITIES}" toName="{TEXT}" showInline="true">
{entity_labels}
  </Labels>
  <Text name="{TEXT}" value="$text" granularity="word"/>
  <Text name="context_next" value="$next" granularity="word"/>
  <Header value="Event trigger words" size="6"/>
  <Labels name="{TRIGGERS}" toName="{TEXT}" showInline="true">
{trigger_labels}
  </Labels>
  <Header value="Event types in this sentence (none is a valid answer)" size="6"/>
  <Choices name="{EVENTS}" toName="{TEXT}" choice="multiple" showInline="false">
{event_choices}
  </Choices>
  <Header value="Flags" size="6"/>
  <Choices name="{FLAGS_NAME}" toName="{TEXT}" choice="multiple" showInline="true">
{flag_choices}
  </Choices>
</View>
"""
