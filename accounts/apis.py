from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class UserMeApi(APIView):
    """The account of the person making the request."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        display_name = serializers.CharField()
        date_joined = serializers.DateTimeField()

    @extend_schema(responses=OutputSerializer, operation_id="me_retrieve")
    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)
